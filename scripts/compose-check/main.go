// compose-check loads a Compose file the way Docker Compose does -- through
// github.com/compose-spec/compose-go/v2, the loader `docker compose` itself uses -- and fails on
// anything that would stop `docker compose up`: interpolation errors (a `${VAR:?message}` whose
// variable is unset or empty), schema errors, unknown services/volumes/secrets, dependency
// cycles, depends_on on a service that does not exist.
//
//	go run . [--file docker-compose.yml] [--env-file .env.example] [--set KEY=VALUE]... [--profile NAME]... [--json]
//
// --env-file is read like `docker compose --env-file`; --set adds variables on top (what a user
// puts in .env). Every profile is enabled by default (`--profile '*'`), so services that only
// run with a profile are checked too. With --json the resolved project (interpolated and
// normalised, Compose's canonical model) is printed on stdout for further checks.
// Exit code 0: loadable; 1: a load error (printed on stderr); 2: bad arguments.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/graph"
	"github.com/compose-spec/compose-go/v2/types"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var (
		file, envFile string
		sets          multi
		profiles      multi
		asJSON        bool
	)
	flag.StringVar(&file, "file", "docker-compose.yml", "the Compose file")
	flag.StringVar(&envFile, "env-file", ".env.example", "environment file (as docker compose --env-file)")
	flag.Var(&sets, "set", "KEY=VALUE added to the environment (repeatable)")
	flag.Var(&profiles, "profile", "profile to enable (repeatable; default: all)")
	flag.BoolVar(&asJSON, "json", false, "print the resolved project as JSON")
	flag.Parse()
	if len(profiles) == 0 {
		profiles = multi{"*"}
	}

	var env []string
	for _, kv := range sets {
		if !strings.Contains(kv, "=") {
			fmt.Fprintf(os.Stderr, "compose-check: --set %q is not KEY=VALUE\n", kv)
			os.Exit(2)
		}
		env = append(env, kv)
	}

	abs, err := filepath.Abs(file)
	if err != nil {
		fail(err)
	}
	opts, err := cli.NewProjectOptions(
		[]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		// Order matters as in docker compose: the env file, then explicit variables win.
		// The caller's own environment is deliberately NOT read, so the check does not depend
		// on whoever runs it.
		cli.WithEnvFiles(envFile),
		cli.WithDotEnv,
		cli.WithEnv(env),
		cli.WithProfiles(profiles),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	project, err := opts.LoadProject(ctx)
	if err != nil {
		fail(err)
	}
	// The loader already rejects cycles; walking the graph also proves every depends_on target
	// is a service that the selected profiles enable.
	if err := graph.InDependencyOrder(ctx, project, func(context.Context, string, types.ServiceConfig) error { return nil }); err != nil {
		fail(err)
	}
	for _, name := range project.ServiceNames() {
		s := project.Services[name]
		for dep := range s.DependsOn {
			if _, ok := project.Services[dep]; !ok {
				fail(fmt.Errorf("service %q depends on %q, which is not enabled", name, dep))
			}
		}
	}

	if asJSON {
		out, err := project.MarshalJSON()
		if err != nil {
			fail(err)
		}
		os.Stdout.Write(out)
		os.Stdout.Write([]byte("\n"))
		return
	}
	names := project.ServiceNames()
	sort.Strings(names)
	fmt.Printf("compose-check: %s loads: %d services (%s)\n", file, len(names), strings.Join(names, ", "))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
	os.Exit(1)
}
