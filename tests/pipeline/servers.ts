/**
 * Real servers for the tests, started on 127.0.0.1 and stopped afterwards: nginx with its WebDAV
 * module (Debian `nginx-light`) as a remote cache. Tools are installed by tools/setup.sh.
 */

/** A running nginx serving `${root}/cache/` at `url`. */
export interface Nginx {
  url: string;
  /** The directory whose `cache/` holds the remote's files. */
  root: string;
  port: number;
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (after `stop`). */
  start(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitPort(port: number, up: boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      if (up) return;
    } catch {
      if (!up) return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not go ${up ? "up" : "down"} in ${ms} ms`);
}

/**
 * Starts nginx with WebDAV (PUT, DELETE, MKCOL, MOVE) under `/cache/`; with `token` (or `basic`,
 * "user:password"), every request without `Authorization: Bearer <token>` (or that basic auth) is
 * answered 401.
 */
export async function startNginx(
  opts: { token?: string; basic?: string } = {},
): Promise<Nginx> {
  const root = await Deno.makeTempDir({ prefix: "score-nginx-" });
  await Deno.mkdir(`${root}/cache`);
  await Deno.mkdir(`${root}/body`);
  const port = freePort();
  const expected = opts.token
    ? `Bearer ${opts.token}`
    : opts.basic
    ? `Basic ${btoa(opts.basic)}`
    : null;
  const auth = expected ? `if ($http_authorization != "${expected}") { return 401; }` : "";
  const conf = `${root}/nginx.conf`;
  await Deno.writeTextFile(
    conf,
    `user root;
worker_processes 1;
daemon off;
pid ${root}/nginx.pid;
error_log ${root}/error.log;
events { worker_connections 256; }
http {
  access_log ${root}/access.log;
  client_body_temp_path ${root}/body;
  server {
    listen 127.0.0.1:${port};
    location /fail503/ { return 503; }
    location /cache/ {
      ${auth}
      root ${root};
      dav_methods PUT DELETE MKCOL MOVE;
      create_full_put_path on;
      client_max_body_size 0;
    }
  }
}
`,
  );
  let proc: Deno.ChildProcess | null = null;
  const start = async () => {
    proc = new Deno.Command("nginx", {
      args: ["-c", conf, "-p", root],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitPort(port, true);
  };
  const stop = async () => {
    if (!proc) return;
    try {
      proc.kill("SIGTERM");
    } catch { /* gone */ }
    await proc.status;
    proc = null;
    await waitPort(port, false);
  };
  await start();
  return { url: `http://127.0.0.1:${port}/cache/`, root, port, stop, start };
}

/**
 * A running single-node Slurm cluster (munged, slurmctld, slurmd); `env` has its SLURM_CONF;
 * `stop` ends what it started and removes its directory.
 */
export interface Slurm {
  dir: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${text}`);
  return text;
}

/**
 * Starts munge and a one-node Slurm (Debian slurm-wlm 22.05) with its state, spool, pid and log
 * files in a temp dir, and waits until the node is idle. Needs root.
 */
export async function startSlurm(): Promise<Slurm> {
  const dir = await Deno.makeTempDir({ prefix: "score-slurm-" });
  const host = (await sh("hostname", ["-s"])).trim();
  const key = "/etc/munge/munge.key";
  try {
    Deno.statSync(key);
  } catch {
    Deno.writeFileSync(key, crypto.getRandomValues(new Uint8Array(1024)), { mode: 0o400 });
    await sh("chown", ["munge:munge", key]);
  }
  for (const d of ["/run/munge", "/var/log/munge", "/var/lib/munge"]) {
    await Deno.mkdir(d, { recursive: true });
    await sh("chown", ["munge:munge", d]);
  }
  let mungeUp = false;
  try {
    await sh("munge", ["-n"]);
    mungeUp = true;
  } catch { /* not running yet */ }
  // munged daemonizes; when this call started it, `stop` ends it again (by its pid file).
  const mungePid = "/run/munge/munged.pid";
  if (!mungeUp) await sh("runuser", ["-u", "munge", "--", "munged", "--pid-file", mungePid]);
  const memMb = Math.floor(
    Number(/MemTotal:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/meminfo"))![1]) / 1024 / 2,
  );
  for (const d of ["state", "spool", "log"]) await Deno.mkdir(`${dir}/${d}`);
  const conf = `${dir}/slurm.conf`;
  const port = 16817 + Math.floor(Math.random() * 1000) * 2;
  Deno.writeTextFileSync(
    conf,
    `ClusterName=score
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${port}
SlurmdPort=${port + 1}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
MinJobAge=600
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${navigatorCpus()} RealMemory=${memMb} State=UNKNOWN
DefMemPerCPU=1024
PartitionName=main Nodes=${host} Default=YES MaxTime=INFINITE State=UP
`,
  );
  const env = { SLURM_CONF: conf };
  const spawn = (cmd: string) =>
    new Deno.Command(cmd, {
      args: ["-D"],
      env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  const ctld = spawn("slurmctld");
  await new Promise((r) => setTimeout(r, 500));
  const slurmd = spawn("slurmd");
  const end = Date.now() + 30_000;
  while (true) {
    const s = await sh("sinfo", ["-h", "-o", "%T"], env).catch(() => "");
    if (/idle/.test(s)) break;
    if (Date.now() > end) {
      throw new Error(`Slurm did not come up: sinfo says ${s.trim() || "nothing"} (${dir}/log)`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const stop = async () => {
    await sh("scancel", ["--full", "-u", "root"], env).catch(() => "");
    for (const p of [slurmd, ctld]) {
      try {
        p.kill("SIGTERM");
      } catch { /* gone */ }
      await p.status;
    }
    if (!mungeUp) {
      try {
        Deno.kill(Number(Deno.readTextFileSync(mungePid).trim()), "SIGTERM");
      } catch { /* already gone */ }
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return { dir, env, stop };
}

function navigatorCpus(): number {
  return navigator.hardwareConcurrency || 1;
}
