// PostGraphile 4 over kimhub's database: the comparison server of
// cmd/benchdash (which starts it; see the top of cmd/benchdash/main.go).
//
//   DATABASE_URL=postgres://… PORT=5678 WORKERS=2 node server.js
//
// WORKERS processes (node:cluster) share the port, as a PostGraphile user
// would run it on a multi-core machine: one Node process uses one core.
// Each has a pool of POOL connections (default 10, pg's default).
//
// Plugins, as a PostGraphile user would pick them for these dashboards:
// - @graphile-contrib/pg-simplify-inflector: short names (posts, author,
//   community) instead of postsByCommunityId; names only, no effect on SQL.
// - postgraphile-plugin-connection-filter (with relations): the feed's
//   filters (status, publish time, a range of region codes, the community's
//   status), which plain `condition` (equality only) cannot say.
// - @graphile/pg-aggregates: counts and sums per group for regionStats.
// schema.sql adds the computed columns kimhub's API has and tables lack
// (a region's communities anywhere below it).
const cluster = require("node:cluster");
const http = require("node:http");
const { postgraphile } = require("postgraphile");
const { Pool } = require("pg");

const workers = Number(process.env.WORKERS || 2);
const port = Number(process.env.PORT || 5678);

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (w, code) => {
    console.error(`postgraphile worker ${w.process.pid} exited (${code})`);
    process.exit(1);
  });
} else {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.POOL || 10),
  });
  const handler = postgraphile(pool, "public", {
    appendPlugins: [
      require("@graphile-contrib/pg-simplify-inflector"),
      require("postgraphile-plugin-connection-filter"),
      require("@graphile/pg-aggregates").default,
    ],
    graphileBuildOptions: { connectionFilterRelations: true },
    disableQueryLog: true,
    dynamicJson: true,
    setofFunctionsContainNulls: false,
    ignoreRBAC: true,
    retryOnInitFail: false,
    graphiql: false,
    disableDefaultMutations: false,
  });
  http.createServer(handler).listen(port, "127.0.0.1", () => {
    if (cluster.isPrimary || cluster.worker.id === 1) console.error(`postgraphile listening on 127.0.0.1:${port}`);
  });
}
