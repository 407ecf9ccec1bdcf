// Linux errno names for the failures the summary tiles show (x86-64 and arm64 share these numbers).

const NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM',
  13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR',
  22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 26: 'ETXTBSY', 27: 'EFBIG', 28: 'ENOSPC', 30: 'EROFS', 36: 'ENAMETOOLONG',
  38: 'ENOSYS', 40: 'ELOOP', 95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT', 98: 'EADDRINUSE', 99: 'EADDRNOTAVAIL',
  100: 'ENETDOWN', 101: 'ENETUNREACH', 103: 'ECONNABORTED', 104: 'ECONNRESET', 106: 'EISCONN', 110: 'ETIMEDOUT',
  111: 'ECONNREFUSED', 113: 'EHOSTUNREACH', 114: 'EALREADY', 115: 'EINPROGRESS',
};

/** "ENOENT" for -2 (or 2); "E<n>" for numbers without a name here. */
export function errnoName(res: number): string {
  const n = Math.abs(res);
  return NAMES[n] ?? `E${n}`;
}

export const EINPROGRESS = 115;
