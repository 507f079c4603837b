// Every test process runs with a known, quiet environment: no developer's real credentials leak in.
process.env.TZ = 'UTC';
process.env.HEARTBRIDGE_LOG_LEVEL ??= 'silent';
