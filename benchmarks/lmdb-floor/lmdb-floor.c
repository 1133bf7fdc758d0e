// The disk's share of a write at concurrency 1, measured on this machine's disk: what a Coffer
// write must wait for in sequence (a follower's synced LMDB commit of the appended entry, then
// the leader's LMDB commit applying it, data pages synced and the meta page left for the next
// commit), beside what an etcd write waits for (a follower's WAL append: one write to a
// preallocated file and one fdatasync). The three are timed in turns, so they share the
// machine's moods. usage: lmdb-floor DIR [ROUNDS]
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void check(int rc, const char *what) {
    if (rc) { fprintf(stderr, "%s: %s\n", what, mdb_strerror(rc)); exit(1); }
}

static void put(MDB_txn *txn, MDB_dbi dbi, const char *key, size_t size, char *value) {
    MDB_val k = {strlen(key), (void *)key}, v = {size, value};
    check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
}

enum { tables = 6, secrets = 5000 };

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: lmdb-floor DIR [ROUNDS]\n"); return 2; }
    int rounds = argc > 2 ? atoi(argv[2]) : 400;
    char value[512], key[64], path[4096];
    memset(value, 7, sizeof value);

    // The keyspace: six tables of 5,000 rows each, the shape of one rotation's apply (record,
    // sealed value, version, audit event, rotation record, applied index), plus the log.
    MDB_env *env;
    check(mdb_env_create(&env), "mdb_env_create");
    mdb_env_set_maxdbs(env, 16);
    mdb_env_set_mapsize(env, 1UL << 32);
    check(mdb_env_open(env, argv[1], 0, 0600), "mdb_env_open");
    MDB_txn *txn;
    MDB_dbi dbi[tables], log;
    check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
    for (int t = 0; t < tables; t++) {
        snprintf(key, sizeof key, "table%d", t);
        check(mdb_dbi_open(txn, key, MDB_CREATE, &dbi[t]), "mdb_dbi_open");
    }
    check(mdb_dbi_open(txn, "log", MDB_CREATE, &log), "mdb_dbi_open");
    for (int i = 0; i < secrets; i++) {
        snprintf(key, sizeof key, "secret-%08d", i);
        for (int t = 0; t < tables; t++) put(txn, dbi[t], key, t == 1 ? 350 : 120, value);
    }
    check(mdb_txn_commit(txn), "commit");

    // The WAL: a preallocated file, appended to.
    snprintf(path, sizeof path, "%s/wal", argv[1]);
    int wal = open(path, O_CREAT | O_RDWR, 0600);
    if (wal < 0 || posix_fallocate(wal, 0, 64 << 20)) { perror("wal"); return 1; }
    fsync(wal);

    double *append = malloc(rounds * sizeof(double)), *apply = malloc(rounds * sizeof(double));
    double *both = malloc(rounds * sizeof(double)), *walAppend = malloc(rounds * sizeof(double));
    srand(1);
    for (int i = 0; i < rounds; i++) {
        double t0 = now_ms();
        check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
        snprintf(key, sizeof key, "%016d", i);
        put(txn, log, key, 400, value);
        put(txn, dbi[0], "hard-state", 24, value);
        check(mdb_txn_commit(txn), "commit");
        double t1 = now_ms();
        check(mdb_env_set_flags(env, MDB_NOMETASYNC, 1), "set_flags");
        check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
        snprintf(key, sizeof key, "secret-%08d", rand() % secrets);
        for (int t = 0; t < tables; t++) put(txn, dbi[t], key, t == 1 ? 350 : 120, value);
        check(mdb_txn_commit(txn), "commit");
        check(mdb_env_set_flags(env, MDB_NOMETASYNC, 0), "set_flags");
        double t2 = now_ms();
        if (pwrite(wal, value, 400, (off_t)i * 400) != 400 || fdatasync(wal)) { perror("wal append"); return 1; }
        double t3 = now_ms();
        append[i] = t1 - t0;
        apply[i] = t2 - t1;
        both[i] = t2 - t0;
        walAppend[i] = t3 - t2;
    }
    qsort(append, rounds, sizeof(double), by_value);
    qsort(apply, rounds, sizeof(double), by_value);
    qsort(both, rounds, sizeof(double), by_value);
    qsort(walAppend, rounds, sizeof(double), by_value);
    printf("| wait (%d rounds, in turns) | p50 ms | p90 ms |\n| --- | ---: | ---: |\n", rounds);
    printf("| LMDB synced commit of one appended entry | %.3f | %.3f |\n", append[rounds / 2], append[rounds * 9 / 10]);
    printf("| LMDB apply commit, 6 tables, meta not synced | %.3f | %.3f |\n", apply[rounds / 2], apply[rounds * 9 / 10]);
    printf("| Coffer's floor: the two in sequence | %.3f | %.3f |\n", both[rounds / 2], both[rounds * 9 / 10]);
    printf("| etcd's floor: WAL write + fdatasync | %.3f | %.3f |\n", walAppend[rounds / 2], walAppend[rounds * 9 / 10]);
    close(wal);
    mdb_env_close(env);
    return 0;
}
