"""The API server's runtime, started and stopped by the app's lifespan: it calls services, it is
not one."""
