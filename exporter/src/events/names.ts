// Numeric kernel values turned into the names Falco rules and people use.

const O_FLAGS: [number, string][] = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o10000, 'O_DSYNC'],
  [0o20000, 'O_ASYNC'],
  [0o40000, 'O_DIRECT'],
  [0o200000, 'O_DIRECTORY'],
  [0o400000, 'O_NOFOLLOW'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
  [0o20000000, 'O_TMPFILE'],
];

export function openFlagNames(flags: number): string[] {
  const acc = flags & 3;
  const out = [acc === 0 ? 'O_RDONLY' : acc === 1 ? 'O_WRONLY' : acc === 2 ? 'O_RDWR' : 'O_ACCMODE'];
  for (const [bit, name] of O_FLAGS) if (flags & bit) out.push(name);
  return out;
}

const PTRACE_REQUESTS: Record<number, string> = {
  0: 'PTRACE_TRACEME',
  1: 'PTRACE_PEEKTEXT',
  2: 'PTRACE_PEEKDATA',
  3: 'PTRACE_PEEKUSR',
  4: 'PTRACE_POKETEXT',
  5: 'PTRACE_POKEDATA',
  6: 'PTRACE_POKEUSR',
  7: 'PTRACE_CONT',
  8: 'PTRACE_KILL',
  9: 'PTRACE_SINGLESTEP',
  12: 'PTRACE_GETREGS',
  13: 'PTRACE_SETREGS',
  16: 'PTRACE_ATTACH',
  17: 'PTRACE_DETACH',
  24: 'PTRACE_SYSCALL',
  0x4200: 'PTRACE_SETOPTIONS',
  0x4206: 'PTRACE_SEIZE',
  0x4207: 'PTRACE_INTERRUPT',
};

export function ptraceRequestName(request: number): string {
  return PTRACE_REQUESTS[request] ?? `PTRACE_${request}`;
}

export function fileTypeOf(iMode: number): 'file' | 'directory' | 'char' | 'block' | 'fifo' | 'symlink' | 'socket' | 'unknown' {
  switch (iMode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o020000:
      return 'char';
    case 0o060000:
      return 'block';
    case 0o010000:
      return 'fifo';
    case 0o120000:
      return 'symlink';
    case 0o140000:
      return 'socket';
    default:
      return 'unknown';
  }
}
