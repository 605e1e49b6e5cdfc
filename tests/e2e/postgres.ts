/**
 * A private PostgreSQL server for the end-to-end tests: a fresh cluster in a
 * temporary directory, owned by the `postgres` user (the server refuses to run
 * as root), listening on 127.0.0.1 on a free port, stopped and removed on
 * disposal: `await using server = await PostgresServer.start();`.
 *
 * Needs root and Debian's `postgresql` (initdb, pg_ctl, psql); it fails,
 * never skips, when they are missing.
 *
 * @module
 */

import { freePort, mustExec } from "../harness/mod.ts";

const SETUP_HINT = "run scripts/setup.sh as root first";

/** The bin directory of the newest PostgreSQL server installed from Debian. */
async function binDir(): Promise<string | undefined> {
  const versions: number[] = [];
  try {
    for await (const entry of Deno.readDir("/usr/lib/postgresql")) {
      if (/^\d+$/.test(entry.name)) versions.push(Number(entry.name));
    }
  } catch {
    return undefined;
  }
  for (const version of versions.sort((a, b) => b - a)) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    try {
      for (const tool of ["initdb", "pg_ctl", "psql"]) {
        await Deno.stat(`${dir}/${tool}`);
      }
      return dir;
    } catch {
      // this version has no server; try an older one
    }
  }
  return undefined;
}

/** A running PostgreSQL server with a cluster of its own. */
export class PostgresServer {
  readonly #bin: string;
  readonly #dir: string;
  #running = false;
  /** Its TCP port on 127.0.0.1. */
  readonly port: number;

  private constructor(bin: string, dir: string, port: number) {
    this.#bin = bin;
    this.#dir = dir;
    this.port = port;
  }

  /**
   * Makes a cluster (trust authentication, user `postgres`) and starts it.
   *
   * @throws {Error} When this is not root or no server is installed.
   */
  static async start(): Promise<PostgresServer> {
    const bin = await binDir();
    if (!bin || Deno.uid() !== 0) {
      throw new Error(
        `The end-to-end tests need root and a PostgreSQL server (initdb, ` +
          `pg_ctl, psql from Debian's postgresql): ${SETUP_HINT}`,
      );
    }
    const dir = await Deno.makeTempDir({ prefix: "guillotine-e2e-pg-" });
    await mustExec("chown", ["postgres:postgres", dir]);
    const server = new PostgresServer(bin, dir, freePort());
    try {
      await server.#asPostgres("initdb", [
        "--pgdata",
        `${dir}/data`,
        "--auth=trust",
        "--username=postgres",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
      ]);
      await server.#asPostgres("pg_ctl", [
        "--pgdata",
        `${dir}/data`,
        "--log",
        `${dir}/server.log`,
        "--wait",
        "--timeout=30",
        "--options",
        `-p ${server.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        "start",
      ]);
      server.#running = true;
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Runs `sql` and returns psql's unaligned, tuples-only output, trimmed. */
  async sql(sql: string, database = "postgres"): Promise<string> {
    const out = await mustExec(`${this.#bin}/psql`, [
      "--no-psqlrc",
      "--host=127.0.0.1",
      `--port=${this.port}`,
      "--username=postgres",
      `--dbname=${database}`,
      "--tuples-only",
      "--no-align",
      "--set=ON_ERROR_STOP=1",
      "--command",
      sql,
    ]);
    return out.trim();
  }

  /** Makes `database` with the jobs' table, `job_runs (id, run_id)`. */
  async createJobDatabase(database: string): Promise<void> {
    await this.sql(`CREATE DATABASE ${database}`);
    await this.sql(
      "CREATE TABLE job_runs (id serial PRIMARY KEY, run_id text NOT NULL)",
      database,
    );
  }

  /** How many rows of `job_runs` in `database` the run `runId` inserted. */
  async jobRows(database: string, runId: string): Promise<number> {
    return Number(
      await this.sql(
        `SELECT count(*) FROM job_runs WHERE run_id = '${runId}'`,
        database,
      ),
    );
  }

  /** Stops the server at once and removes its cluster. */
  async stop(): Promise<void> {
    if (this.#running) {
      this.#running = false;
      await this.#asPostgres("pg_ctl", [
        "--pgdata",
        `${this.#dir}/data`,
        "--mode=immediate",
        "--wait",
        "stop",
      ]).catch((error) => console.error(`Stopping PostgreSQL: ${error}`));
    }
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #asPostgres(tool: string, args: string[]): Promise<string> {
    return mustExec(
      "runuser",
      ["-u", "postgres", "--", `${this.#bin}/${tool}`, ...args],
      { cwd: this.#dir },
    );
  }
}

/** The job's statement: one row of `job_runs` for the run `runId`. */
export const insertRun = (runId: string): string =>
  `INSERT INTO job_runs (run_id) VALUES ('${runId}')`;
