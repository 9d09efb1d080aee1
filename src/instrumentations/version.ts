/** This package's name and version, the instrumentation scope of every span, metric and log. */
export const PACKAGE_NAME = 'lorechat-otel' as const;
export const PACKAGE_VERSION = '0.1.0' as const;

/** Supported versions of the instrumented libraries. */
export const SUPPORTED_LANGGRAPH_VERSIONS = ['>=1.0.0 <2'];
export const SUPPORTED_LANGCHAIN_CORE_VERSIONS = ['>=1.0.0 <2'];
