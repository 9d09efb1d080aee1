/**
 * What each image pinned in docker-compose.yml contains, as far as the compose file relies on
 * it: the executables a health check may run, the user the image runs as, the directories
 * that user owns (where a named volume may be mounted and be writable from the first start).
 * Each row cites the upstream file at the pinned tag that states it (Prometheus, Alertmanager and
 * Loki read from their Go module zips at that version; the Collector, Tempo and Grafana from
 * recent revisions of their Dockerfiles, see their rows). When a tag changes, re-read
 * that file and update the row; test/unit/pipeline/compose-images.test.ts fails when a service
 * uses an image that has no row, a tag other than the row's, a health-check command the image
 * does not contain, a `user:` other than the image's, or a volume path its user cannot write.
 */

export interface ImageFacts {
  /** Image reference without the tag, as in docker-compose.yml. */
  readonly image: string;
  /** The pinned tag this row was checked against. */
  readonly tag: string;
  /** Upstream files at that tag proving the row (repository, tag, path: what it says). */
  readonly sources: readonly string[];
  /** The image's final base: `scratch`, a distroless image, busybox, alpine, ... */
  readonly base: string;
  /** `uid:gid` the image runs as (its USER; root is `0:0`). */
  readonly user: string;
  /** Whether /bin/sh exists (CMD-SHELL health checks need it). */
  readonly shell: boolean;
  /** Absolute paths of the executables present that matter here (never assume others). */
  readonly executables: readonly string[];
  /** Directories that exist in the image, owned by (or writable for) `user`. */
  readonly writableDirs: readonly string[];
  /** How readiness is checked when no in-container probe is possible. */
  readonly readiness: string;
}

export const IMAGES: readonly ImageFacts[] = [
  {
    image: 'otel/opentelemetry-collector-contrib',
    tag: '0.161.0',
    sources: [
      'open-telemetry/opentelemetry-collector-releases v0.161.0 distributions/otelcol-contrib/Dockerfile: ' +
        '`FROM scratch`, `ARG USER_UID=10001`, `ARG USER_GID=10001`, `USER ${USER_UID}:${USER_GID}`, ' +
        'COPY of ca-certificates.crt, /otelcol-contrib and /etc/otelcol-contrib/config.yaml only' +
        ' (read from a recent revision of that file, not fetched at the tag -- re-check when bumping)',
    ],
    base: 'scratch',
    user: '10001:10001',
    shell: false,
    executables: ['/otelcol-contrib'],
    writableDirs: [],
    readiness:
      'health_check extension on :13133 (GET / answers 200 when the pipelines run), from outside',
  },
  {
    image: 'prom/prometheus',
    tag: 'v3.16.0',
    sources: [
      'prometheus/prometheus v3.16.0 (Go module v0.316.0) Dockerfile: ' +
        '`FROM quay.io/prometheus/busybox-${OS}-${ARCH}:latest`, `COPY .build/${OS}-${ARCH}/promtool /bin/promtool`, ' +
        '`WORKDIR /prometheus`, `RUN chown -R nobody:nobody /etc/prometheus /prometheus`, `USER nobody`',
      'prometheus/prometheus v3.16.0 cmd/promtool/main.go: `check ready` with `--url` (GET <url>/-/ready)',
    ],
    base: 'quay.io/prometheus/busybox',
    user: '65534:65534',
    shell: true,
    executables: ['/bin/prometheus', '/bin/promtool', '/bin/sh'],
    writableDirs: ['/prometheus'],
    readiness: 'promtool check ready --url=http://127.0.0.1:9090 (in the container)',
  },
  {
    image: 'prom/alertmanager',
    tag: 'v0.34.2',
    sources: [
      'prometheus/alertmanager v0.34.2 (Go module zip) Dockerfile: ' +
        '`FROM quay.io/prometheus/busybox-${OS}-${ARCH}:latest`, `COPY .build/${OS}-${ARCH}/amtool /bin/amtool`, ' +
        '`chown -R nobody:nobody /etc/alertmanager /alertmanager`, `USER nobody`',
      'prometheus/alertmanager v0.34.2 cli/cluster.go: `amtool cluster show` reads /api/v2/status',
    ],
    // busybox also has wget, but the probe uses only what Alertmanager itself ships.
    base: 'quay.io/prometheus/busybox',
    user: '65534:65534',
    shell: true,
    executables: ['/bin/alertmanager', '/bin/amtool', '/bin/sh'],
    writableDirs: ['/alertmanager'],
    readiness: 'amtool cluster show --alertmanager.url=http://127.0.0.1:9093 (in the container)',
  },
  {
    image: 'grafana/tempo',
    tag: '2.10.8',
    sources: [
      'grafana/tempo v2.10.8 cmd/tempo/Dockerfile: final stage ' +
        '`FROM gcr.io/distroless/static-debian12`, `COPY bin/linux/tempo-${TARGETARCH} /tempo`, ' +
        '`COPY --from=tempo-setup --chown=10001:10001 --chmod=0700 /var/tempo /var/tempo`, ' +
        '`USER 10001:10001`' +
        ' (read from the newest published revision of that file; the module proxy does not serve ' +
        'grafana/tempo, so the file at the tag itself was not fetched -- re-check when bumping)',
    ],
    base: 'gcr.io/distroless/static-debian12',
    user: '10001:10001',
    shell: false,
    executables: ['/tempo'],
    writableDirs: ['/var/tempo'],
    readiness: 'GET http://127.0.0.1:3200/ready from outside (no shell, no self-check flag)',
  },
  {
    image: 'grafana/loki',
    tag: '3.7.4',
    sources: [
      'grafana/loki v3.7.4 (Go module zip) cmd/loki/Dockerfile: final stage ' +
        '`FROM gcr.io/distroless/static:nonroot`, `COPY --from=build /src/loki/cmd/loki/loki /usr/bin/loki`, ' +
        '`COPY --from=filesystem --chown=10001:10001 /loki /loki`, `USER 10001`',
      'grafana/loki v3.7.4 cmd/loki/health.go + main.go: `-health` (checked before any config parsing) GETs http://localhost:3100/ready, exit 0 on 200',
      'grafana/loki v3.7.4 CHANGELOG.md, section 3.7.0: "add loki health command (#20313)"',
    ],
    base: 'gcr.io/distroless/static:nonroot',
    user: '10001:10001',
    shell: false,
    executables: ['/usr/bin/loki'],
    writableDirs: ['/loki'],
    readiness: 'loki -health (in the container)',
  },
  {
    image: 'grafana/grafana',
    tag: '13.1.1',
    sources: [
      'grafana/grafana v13.1.1 Dockerfile: `apk add --no-cache ca-certificates bash curl tzdata musl-utils` ' +
        '(ubuntu variant: `apt-get install -y ca-certificates curl tzdata musl`), `ARG GF_UID="472"`, ' +
        '`ARG GF_GID="0"`, `chown -R "grafana:$GF_GID_NAME" "$GF_PATHS_DATA" ...`, `USER "$GF_UID"`' +
        ' (read from recent revisions of that file, not fetched at the tag -- re-check when bumping)',
    ],
    base: 'alpine (or ubuntu)',
    user: '472:0',
    shell: true,
    executables: ['/usr/bin/curl', '/bin/sh', '/bin/bash', '/run.sh'],
    writableDirs: ['/var/lib/grafana'],
    readiness: 'curl -fsS http://127.0.0.1:3000/api/health (in the container)',
  },
  {
    image: 'busybox',
    tag: '1.37.0',
    sources: [
      'docker-library/busybox 1.37.0 Dockerfile: `FROM scratch`, `ADD busybox.tar.xz /` ' +
        '(busybox and its applets in /bin, chown included), `CMD ["sh"]`, no USER (root)',
    ],
    base: 'scratch + busybox rootfs',
    user: '0:0',
    shell: true,
    executables: ['/bin/sh', '/bin/chown', '/bin/wget'],
    writableDirs: [],
    readiness: 'one-shot job (exit code)',
  },
  {
    image: 'lorechat-otel-demo',
    tag: 'local',
    sources: [
      'this repository, Dockerfile: `FROM node:24.21.0-slim`, `USER node`, `WORKDIR /app`, ' +
        'node at /usr/local/bin/node (docker-library/node 24 bookworm-slim)',
    ],
    base: 'node:24.21.0-slim (debian bookworm-slim)',
    user: '1000:1000',
    shell: true,
    executables: ['/usr/local/bin/node', '/bin/sh'],
    writableDirs: [],
    readiness: "node -e fetch('http://127.0.0.1:8080/healthz') (in the container)",
  },
];

/** The row of an `image:tag` reference, or undefined. */
export function factsFor(reference: string): ImageFacts | undefined {
  const at = reference.lastIndexOf(':');
  const image = at > 0 ? reference.slice(0, at) : reference;
  const tag = at > 0 ? reference.slice(at + 1) : 'latest';
  return IMAGES.find((row) => row.image === image && row.tag === tag);
}

/** PATH of a container when the image sets none (Docker's default). */
const DEFAULT_PATH = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

/** Whether `command` (absolute, or a bare name looked up on the default PATH) exists. */
export function hasExecutable(facts: ImageFacts, command: string): boolean {
  if (command.startsWith('/')) return facts.executables.includes(command);
  return DEFAULT_PATH.some((dir) => facts.executables.includes(`${dir}/${command}`));
}

export interface ComposeServiceLike {
  readonly image?: string;
  readonly user?: string;
  readonly healthcheck?: { readonly test?: unknown; readonly disable?: boolean };
  readonly volumes?: readonly (string | { type?: string; source?: string; target?: string })[];
  readonly command?: unknown;
}

/**
 * Every way a service's use of its image can fail at run time, as messages (empty: none).
 * `volumeOwners` maps a named volume to the `uid:gid` an init job chowns it to, if any.
 */
export function imageProblems(
  name: string,
  service: ComposeServiceLike,
  namedVolumes: ReadonlySet<string>,
  volumeOwners: ReadonlyMap<string, string>,
): string[] {
  if (service.image === undefined) return [`${name}: no image`];
  const facts = factsFor(service.image);
  if (facts === undefined) {
    return [`${name}: image ${service.image} has no row in scripts/compose-check/images.ts`];
  }
  const problems: string[] = [];
  const user = service.user ?? facts.user;
  if (service.user !== undefined && service.user !== facts.user && service.user !== '0:0') {
    problems.push(`${name}: user ${service.user} is not the image's user ${facts.user}`);
  }
  const test = service.healthcheck?.test;
  if (Array.isArray(test) && service.healthcheck?.disable !== true) {
    const [kind, ...rest] = test as string[];
    if (kind === 'CMD') {
      const exe = rest[0] ?? '';
      if (!hasExecutable(facts, exe)) {
        problems.push(`${name}: health check runs ${exe}, which ${service.image} does not contain`);
      }
    } else if (kind === 'CMD-SHELL') {
      const exe = (rest[0] ?? '').trim().split(/\s+/)[0] ?? '';
      if (!facts.shell)
        problems.push(`${name}: CMD-SHELL health check but ${service.image} has no shell`);
      else if (!hasExecutable(facts, exe)) {
        problems.push(`${name}: health check runs ${exe}, which ${service.image} does not contain`);
      }
    } else if (kind !== 'NONE') {
      problems.push(`${name}: health check test must start with CMD, CMD-SHELL or NONE`);
    }
  } else if (typeof test === 'string') {
    // The string form is run with /bin/sh -c.
    if (!facts.shell)
      problems.push(`${name}: string health check but ${service.image} has no shell`);
  }
  for (const v of service.volumes ?? []) {
    // Short syntax `source:target[:mode]`, or a bare `target` (an anonymous volume); long
    // syntax {type, source, target}. Bind mounts (paths) are the user's files, not checked.
    const parts = typeof v === 'string' ? v.split(':') : [];
    const { source, target, readOnly } =
      typeof v === 'string'
        ? parts.length === 1
          ? { source: '', target: parts[0] ?? '', readOnly: false }
          : { source: parts[0] ?? '', target: parts[1] ?? '', readOnly: parts[2] === 'ro' }
        : { source: v.source ?? '', target: v.target ?? '', readOnly: false };
    const anonymous = source === '';
    if ((!anonymous && !namedVolumes.has(source)) || readOnly) continue;
    // A volume is writable by the image's user if it is mounted where the image has a
    // directory that user owns (Docker copies the owner into a new volume), if an init job
    // chowns it to that user (named volumes only), or if the service runs as root.
    if (user === '0:0' || user.startsWith('0:')) continue;
    if (facts.writableDirs.includes(target)) continue;
    if (!anonymous && volumeOwners.get(source) === user) continue;
    problems.push(
      `${name}: ${anonymous ? 'anonymous volume' : `named volume ${source}`} at ${target} is created root-owned (the image has no such directory owned by ${user}) and nothing chowns it`,
    );
  }
  return problems;
}
