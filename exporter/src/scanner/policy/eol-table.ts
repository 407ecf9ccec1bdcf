// End-of-life dates of the OS releases found in container images, embedded so that scans work offline.
//
// `eol` is the end of the security updates an image gets without a subscription: for Debian that is the end of Debian
// LTS (free, served from the normal security mirror), for Ubuntu the end of standard support, for RHEL and its
// rebuilds the end of maintenance support. `extendedEol` is the end of paid extended support (Debian ELTS by Freexian,
// Ubuntu Pro ESM, RHEL ELS); policies use it only when configured to (`support: extended`).
// Sources: debian.org/releases and wiki.debian.org/LTS, ubuntu.com/about/release-cycle, alpinelinux.org/releases,
// access.redhat.com/support/policy/updates/errata, the Rocky and AlmaLinux release pages. Where a vendor announces
// only a month ("April 2027") the last day of that month is used. Update when releases ship.

export interface EolEntry {
  /** Release as compared: "12", "22.04", "3.19", "9" */
  release: string;
  codename?: string;
  /** YYYY-MM-DD, last day of free security support */
  eol: string;
  /** YYYY-MM-DD, last day of paid extended support, when there is one */
  extendedEol?: string;
  /** Short explanation of what `eol` marks, shown in details. */
  note: string;
}

export interface DistroEol {
  /** os-release ID values that share this table */
  ids: readonly string[];
  name: string;
  /** How to cut a VERSION_ID down to the release key: "12.5" -> "12", "3.19.1" -> "3.19". */
  releaseOf(versionId: string): string | undefined;
  /** Names that mean a rolling branch without an end date (sid, edge). */
  rolling: readonly string[];
  entries: readonly EolEntry[];
}

const majorOnly = (v: string): string | undefined => /^(\d+)/.exec(v)?.[1];
const majorMinor = (v: string): string | undefined => {
  const m = /^(\d+)\.(\d+)/.exec(v);
  return m ? `${m[1]}.${m[2]}` : undefined;
};
/** Ubuntu keeps the leading zero of the month: "22.04". */
const ubuntuRelease = (v: string): string | undefined => {
  const m = /^(\d{2})\.(\d{2})/.exec(v);
  return m ? `${m[1]}.${m[2]}` : undefined;
};

const DEBIAN: DistroEol = {
  ids: ['debian'],
  name: 'Debian',
  releaseOf: majorOnly,
  rolling: ['sid', 'unstable', 'testing'],
  entries: [
    { release: '6', codename: 'squeeze', eol: '2016-02-29', note: 'end of Debian LTS' },
    { release: '7', codename: 'wheezy', eol: '2018-05-31', extendedEol: '2020-06-30', note: 'end of Debian LTS' },
    { release: '8', codename: 'jessie', eol: '2020-06-30', extendedEol: '2025-06-30', note: 'end of Debian LTS' },
    { release: '9', codename: 'stretch', eol: '2022-06-30', extendedEol: '2027-06-30', note: 'end of Debian LTS' },
    { release: '10', codename: 'buster', eol: '2024-06-30', extendedEol: '2029-06-30', note: 'end of Debian LTS' },
    { release: '11', codename: 'bullseye', eol: '2026-08-31', extendedEol: '2031-06-30', note: 'end of Debian LTS' },
    { release: '12', codename: 'bookworm', eol: '2028-06-30', extendedEol: '2033-06-30', note: 'end of Debian LTS' },
    { release: '13', codename: 'trixie', eol: '2030-06-30', note: 'end of Debian LTS (planned)' },
  ],
};

const UBUNTU: DistroEol = {
  ids: ['ubuntu'],
  name: 'Ubuntu',
  releaseOf: ubuntuRelease,
  rolling: ['devel'],
  entries: [
    { release: '14.04', codename: 'trusty', eol: '2019-04-30', extendedEol: '2024-04-30', note: 'end of standard support (LTS)' },
    { release: '14.10', codename: 'utopic', eol: '2015-07-23', note: 'end of support (interim release)' },
    { release: '15.04', codename: 'vivid', eol: '2016-02-04', note: 'end of support (interim release)' },
    { release: '15.10', codename: 'wily', eol: '2016-07-28', note: 'end of support (interim release)' },
    { release: '16.04', codename: 'xenial', eol: '2021-04-30', extendedEol: '2026-04-30', note: 'end of standard support (LTS)' },
    { release: '16.10', codename: 'yakkety', eol: '2017-07-20', note: 'end of support (interim release)' },
    { release: '17.04', codename: 'zesty', eol: '2018-01-13', note: 'end of support (interim release)' },
    { release: '17.10', codename: 'artful', eol: '2018-07-19', note: 'end of support (interim release)' },
    { release: '18.04', codename: 'bionic', eol: '2023-05-31', extendedEol: '2028-04-30', note: 'end of standard support (LTS)' },
    { release: '18.10', codename: 'cosmic', eol: '2019-07-18', note: 'end of support (interim release)' },
    { release: '19.04', codename: 'disco', eol: '2020-01-23', note: 'end of support (interim release)' },
    { release: '19.10', codename: 'eoan', eol: '2020-07-17', note: 'end of support (interim release)' },
    { release: '20.04', codename: 'focal', eol: '2025-05-29', extendedEol: '2030-04-30', note: 'end of standard support (LTS)' },
    { release: '20.10', codename: 'groovy', eol: '2021-07-22', note: 'end of support (interim release)' },
    { release: '21.04', codename: 'hirsute', eol: '2022-01-20', note: 'end of support (interim release)' },
    { release: '21.10', codename: 'impish', eol: '2022-07-14', note: 'end of support (interim release)' },
    { release: '22.04', codename: 'jammy', eol: '2027-04-30', extendedEol: '2032-04-30', note: 'end of standard support (LTS)' },
    { release: '22.10', codename: 'kinetic', eol: '2023-07-20', note: 'end of support (interim release)' },
    { release: '23.04', codename: 'lunar', eol: '2024-01-25', note: 'end of support (interim release)' },
    { release: '23.10', codename: 'mantic', eol: '2024-07-11', note: 'end of support (interim release)' },
    { release: '24.04', codename: 'noble', eol: '2029-04-30', extendedEol: '2034-04-30', note: 'end of standard support (LTS)' },
    { release: '24.10', codename: 'oracular', eol: '2025-07-10', note: 'end of support (interim release)' },
    { release: '25.04', codename: 'plucky', eol: '2026-01-15', note: 'end of support (interim release)' },
  ],
};

const ALPINE: DistroEol = {
  ids: ['alpine'],
  name: 'Alpine Linux',
  releaseOf: majorMinor,
  rolling: ['edge'],
  entries: [
    { release: '3.0', eol: '2016-05-01', note: 'end of branch support' },
    { release: '3.1', eol: '2016-11-01', note: 'end of branch support' },
    { release: '3.2', eol: '2017-05-01', note: 'end of branch support' },
    { release: '3.3', eol: '2017-11-01', note: 'end of branch support' },
    { release: '3.4', eol: '2018-05-01', note: 'end of branch support' },
    { release: '3.5', eol: '2018-11-01', note: 'end of branch support' },
    { release: '3.6', eol: '2019-05-01', note: 'end of branch support' },
    { release: '3.7', eol: '2019-11-01', note: 'end of branch support' },
    { release: '3.8', eol: '2020-05-01', note: 'end of branch support' },
    { release: '3.9', eol: '2020-11-01', note: 'end of branch support' },
    { release: '3.10', eol: '2021-05-01', note: 'end of branch support' },
    { release: '3.11', eol: '2021-11-01', note: 'end of branch support' },
    { release: '3.12', eol: '2022-05-01', note: 'end of branch support' },
    { release: '3.13', eol: '2022-11-01', note: 'end of branch support' },
    { release: '3.14', eol: '2023-05-01', note: 'end of branch support' },
    { release: '3.15', eol: '2023-11-01', note: 'end of branch support' },
    { release: '3.16', eol: '2024-05-23', note: 'end of branch support' },
    { release: '3.17', eol: '2024-11-22', note: 'end of branch support' },
    { release: '3.18', eol: '2025-05-09', note: 'end of branch support' },
    { release: '3.19', eol: '2025-11-01', note: 'end of branch support' },
    { release: '3.20', eol: '2026-04-01', note: 'end of branch support' },
    { release: '3.21', eol: '2026-11-01', note: 'end of branch support' },
    { release: '3.22', eol: '2027-05-01', note: 'end of branch support' },
    { release: '3.23', eol: '2027-11-01', note: 'end of branch support' },
  ],
};

const RHEL_ENTRIES: readonly EolEntry[] = [
  { release: '6', eol: '2020-11-30', extendedEol: '2024-06-30', note: 'end of maintenance support' },
  { release: '7', eol: '2024-06-30', extendedEol: '2028-06-30', note: 'end of maintenance support' },
  { release: '8', eol: '2029-05-31', extendedEol: '2032-05-31', note: 'end of maintenance support' },
  { release: '9', eol: '2032-05-31', extendedEol: '2035-05-31', note: 'end of maintenance support' },
  { release: '10', eol: '2035-05-31', extendedEol: '2038-05-31', note: 'end of maintenance support' },
];

const RHEL: DistroEol = { ids: ['rhel'], name: 'Red Hat Enterprise Linux', releaseOf: majorOnly, rolling: [], entries: RHEL_ENTRIES };

/** Rocky and Alma follow RHEL's dates; neither sells extended support of its own. */
const rebuild = (ids: string[], name: string, from: number): DistroEol => ({
  ids,
  name,
  releaseOf: majorOnly,
  rolling: [],
  entries: RHEL_ENTRIES.filter((e) => Number(e.release) >= from).map(({ extendedEol: _x, ...e }) => e),
});

const CENTOS: DistroEol = {
  ids: ['centos'],
  name: 'CentOS',
  releaseOf: majorOnly,
  rolling: [],
  entries: [
    { release: '6', eol: '2020-11-30', note: 'end of CentOS Linux support' },
    { release: '7', eol: '2024-06-30', note: 'end of CentOS Linux support' },
    { release: '8', eol: '2021-12-31', note: 'end of CentOS Linux 8 (CentOS Stream 8 ended 2024-05-31)' },
    { release: '9', eol: '2027-05-31', note: 'end of CentOS Stream 9' },
  ],
};

export const EOL_TABLE: readonly DistroEol[] = [
  DEBIAN,
  UBUNTU,
  ALPINE,
  RHEL,
  rebuild(['rocky'], 'Rocky Linux', 8),
  rebuild(['almalinux'], 'AlmaLinux', 8),
  CENTOS,
];

export function distroFor(osId: string): DistroEol | undefined {
  const id = osId.toLowerCase();
  return EOL_TABLE.find((d) => d.ids.includes(id));
}
