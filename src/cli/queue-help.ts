/** The help lines of the queue flags that train, pretrain and worker share. */
export const QUEUE_HELP =
  'run the adaptation jobs on `terrarium worker` processes through this Redis: redis://[user:pass@]host:port[/db] or rediss://; ' +
  'the password may come from TERRARIUM_QUEUE_PASSWORD instead (off the command line)';
export const QUEUE_CA_HELP =
  "with a rediss:// --queue: PEM file of the CA that signed the Redis server's certificate (default: Node's CAs)";
export const QUEUE_TIMEOUT_HELP =
  'with --queue: seconds Redis may stay unreachable before the run stops (default 60)';
