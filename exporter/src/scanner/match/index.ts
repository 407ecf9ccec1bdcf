// Matching installed packages against OSV advisories.
export { matchPackages, newMatchStats, dpkgSourceVersion, type MatchOptions, type MatchProblem, type MatchProblemKind, type MatchStats } from './match-packages.js';
export { matchEcosystem, osReleaseEcosystem } from './release-ecosystem.js';
export { matchAffected, type AffectedMatch } from './ranges.js';
