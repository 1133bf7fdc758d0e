#ifndef COFFER_SHIMS_H
#define COFFER_SHIMS_H

/// Makes the process non-dumpable (no core dumps, no ptrace by other users) and sets the
/// core size limit to zero, so secret values in memory never reach a core file.
/// Returns 0 on success.
int coffer_disable_core_dumps(void);

#endif
