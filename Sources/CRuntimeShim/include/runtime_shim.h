// Thin wrappers over Linux system calls that Swift cannot call directly
// (variadic syscall(2), kernel structs, macros). No logic lives here: every
// function returns what the kernel returned, with errno set on failure.
#ifndef SWIFTLET_RUNTIME_SHIM_H
#define SWIFTLET_RUNTIME_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include <spawn.h>

// Namespace clone flags (linux/sched.h), exported as plain integers.
#define SHIM_CLONE_NEWNS     0x00020000UL
#define SHIM_CLONE_NEWCGROUP 0x02000000UL
#define SHIM_CLONE_NEWUTS    0x04000000UL
#define SHIM_CLONE_NEWIPC    0x08000000UL
#define SHIM_CLONE_NEWUSER   0x10000000UL
#define SHIM_CLONE_NEWPID    0x20000000UL
#define SHIM_CLONE_NEWNET    0x40000000UL
#define SHIM_CLONE_NEWTIME   0x00000080UL
#define SHIM_CLONE_PARENT    0x00008000UL

/// Raw clone(2) with `flags | SIGCHLD` and a NULL stack: returns like fork()
/// (0 in the child, the child's pid in the parent, -1 and errno on failure).
/// The child does not run glibc's fork bookkeeping (its cached TID is stale);
/// callers that run much libc code in the child should prefer fork()+unshare().
pid_t shim_clone(unsigned long flags);

/// clone3(2) with CLONE_PIDFD: returns like fork(); in the parent `*pidfd`
/// receives a pidfd for the child. `cgroup_fd` >= 0 adds CLONE_INTO_CGROUP.
pid_t shim_clone3_pidfd(uint64_t flags, int *pidfd, int cgroup_fd);

int shim_setns(int fd, int nstype);
int shim_unshare(int flags);
int shim_pivot_root(const char *new_root, const char *put_old);
int shim_mount(const char *source, const char *target, const char *fstype,
               unsigned long flags, const char *data);
int shim_umount2(const char *target, int flags);

int shim_set_no_new_privs(void);
int shim_get_no_new_privs(void);
int shim_set_pdeathsig(int signal);
int shim_set_child_subreaper(int on);
int shim_set_keepcaps(int on);
int shim_set_dumpable(int on);
/// PR_CAPBSET_READ: 1 if `cap` is in the bounding set, 0 if not, -1/EINVAL past the last cap.
int shim_capbset_read(int cap);
int shim_capbset_drop(int cap);
int shim_cap_ambient_raise(int cap);
int shim_cap_ambient_clear_all(void);

/// capset(2) with _LINUX_CAPABILITY_VERSION_3 (two 32-bit words per set), for the calling thread.
int shim_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);
int shim_capget(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);

/// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) where `filter` is `length` bytes of
/// struct sock_filter (8 bytes each). Returns 0, or a listener fd with NEW_LISTENER.
int shim_seccomp_load_filter(unsigned int flags, const void *filter, size_t length);

/// close_range(2); with `cloexec` set, CLOSE_RANGE_CLOEXEC instead of closing.
int shim_close_range(unsigned int first, unsigned int last, int cloexec);

/// openat2(2) with the given RESOLVE_* flags.
int shim_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);
#define SHIM_RESOLVE_NO_XDEV       0x01ULL
#define SHIM_RESOLVE_NO_MAGICLINKS 0x02ULL
#define SHIM_RESOLVE_NO_SYMLINKS   0x04ULL
#define SHIM_RESOLVE_BENEATH       0x08ULL
#define SHIM_RESOLVE_IN_ROOT       0x10ULL

int shim_pidfd_open(pid_t pid, unsigned int flags);
int shim_pidfd_send_signal(int pidfd, int sig);
/// waitid(P_PIDFD, pidfd, ...). Stores the child's exit code/signal and si_code.
int shim_waitid_pidfd(int pidfd, int options, int *code, int *status);

/// setrlimit(2)/getrlimit(2) with 64-bit values (RLIM_INFINITY is UINT64_MAX).
int shim_setrlimit(int resource, uint64_t soft, uint64_t hard);
int shim_getrlimit(int resource, uint64_t *soft, uint64_t *hard);

/// setresuid(2)/setresgid(2) (GNU extensions Swift's Glibc module does not export).
int shim_setresuid(uid_t ruid, uid_t euid, uid_t suid);
int shim_setresgid(gid_t rgid, gid_t egid, gid_t sgid);

int shim_sethostname(const char *name, size_t length);
int shim_setdomainname(const char *name, size_t length);
int shim_ioctl_tiocsctty(int fd);
int shim_eventfd(unsigned int initval, int flags);
/// A new close-on-exec, non-blocking signalfd for `mask`.
int shim_signalfd(const sigset_t *mask);
/// Reads one signal from a signalfd: its number, 0 when none is pending, -1 on error.
int shim_signalfd_read(int fd);
int shim_pipe2(int fds[2], int flags);

int shim_sigemptyset(sigset_t *set);
int shim_sigaddset(sigset_t *set, int sig);
int shim_sigfillset(sigset_t *set);

/// Builds a dev_t from major/minor like makedev(3).
uint64_t shim_makedev(unsigned int major, unsigned int minor);

/// WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG over a wait(2) status.
int shim_wifexited(int status);
int shim_wexitstatus(int status);
int shim_wifsignaled(int status);
int shim_wtermsig(int status);

/// Sets `attributes` so a spawned child starts with every signal at its default disposition
/// and an empty signal mask, whatever the caller had (POSIX_SPAWN_SETSIGDEF | SETSIGMASK).
int shim_spawnattr_clean_signals(posix_spawnattr_t *attributes);

/// Sends one byte on a connected unix socket, with descriptor `fd` (SCM_RIGHTS) when `fd` >= 0.
/// Returns 0, or -1 with errno.
int shim_send_byte_with_fd(int sock, unsigned char byte, int fd);

/// Receives one byte from a unix socket and the descriptor sent with it, if any: returns the
/// descriptor (close-on-exec), -2 when none came, -1 on an error or end of stream.
int shim_recv_byte_with_fd(int sock, unsigned char *byte);

/// A listening unix stream socket bound at `path` (mode 0600, an old socket file replaced),
/// close-on-exec and non-blocking; -1 with errno. Paths too long for `sun_path` fail (ENAMETOOLONG).
int shim_unix_listen(const char *path, int backlog);

/// accept4(2) with SOCK_CLOEXEC (the accepted socket blocks); -1 with errno.
int shim_accept_cloexec(int listener);

/// A unix stream socket connected to `path`, close-on-exec (blocking); -1 with errno.
int shim_unix_connect(const char *path);
/// The same, non-blocking: fails with EAGAIN instead of waiting when the listener's backlog is full.
int shim_unix_connect_nonblocking(const char *path);

/// write(2) of all of `buffer` to a pipe whose reader may be gone, without SIGPIPE: the signal
/// is blocked in the calling thread for the write and a pending one is taken before it is
/// unblocked, so the process's disposition stays as it is. Returns 0, or -1 with errno (EPIPE).
int shim_write_no_sigpipe(int fd, const void *buffer, size_t length);

// epoll(7) event bits, as plain integers.
#define SHIM_EPOLLIN    0x001U
#define SHIM_EPOLLOUT   0x004U
#define SHIM_EPOLLERR   0x008U
#define SHIM_EPOLLHUP   0x010U
#define SHIM_EPOLLRDHUP 0x2000U

/// epoll_create1(EPOLL_CLOEXEC).
int shim_epoll_create(void);
/// epoll_ctl(2) with EPOLL_CTL_ADD (`op` 1), _DEL (2) or _MOD (3) of `fd` for `events`, `data`
/// coming back with its events from shim_epoll_wait.
int shim_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// epoll_wait(2) into two arrays of `max` entries (struct epoll_event is packed on x86-64):
/// the number of events, or -1 with errno.
int shim_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max, int timeout_ms);

/// malloc_trim(3): returns free heap pages to the kernel.
int shim_malloc_trim(size_t pad);

/// mallopt(M_ARENA_MAX, n): at most `n` malloc arenas, however many threads allocate.
int shim_malloc_arena_max(int n);

/// mallopt(M_MXFAST, 0): no fast bins. Small blocks still come from the per-thread caches; a
/// request past them (1 KiB and more) no longer consolidates every fast bin first.
int shim_malloc_no_fastbins(void);

/// Gives back the resident pages of this process's private file mappings (its code and
/// read-only data, and those of its libraries): MADV_RANDOM, so that a later fault reads only
/// the page it needs instead of a read-ahead window, then MADV_PAGEOUT (Linux 5.4+), which
/// reclaims the clean pages that no other process maps. Nothing is lost: a page touched again
/// is faulted back in from the file; written (copy-on-write) pages are left alone without swap.
/// Returns the number of mappings released, or -1 (with errno) when none could be.
int shim_release_file_pages(void);

/// Creates a network namespace and bind-mounts it at `path` (an existing file) from a
/// short-lived child made with raw clone(2): the caller's threads never change namespace,
/// and the child runs nothing but system calls, so this is safe in a multithreaded process.
/// Returns 0, or -1 with errno set and `*step` saying what failed: 1 unshare(2), 2 mount(2),
/// 3 clone(2) or waitpid(2).
int shim_netns_create(const char *path, int *step);

/// Creates new IPC and/or UTS namespaces (a NULL path skips that one) in a short-lived child,
/// sets the UTS namespace's hostname, and bind-mounts each namespace on its (existing) path.
/// On failure returns -1 with errno set and *step: 1 unshare, 2 sethostname, 3 bind of ipc,
/// 4 bind of uts, 5 clone/wait.
int shim_podns_create(const char *ipc_path, const char *uts_path, const char *hostname, int *step);

/// Creates a PID namespace whose init is a long-lived process running `pause_path` with argv
/// `{argv0, arg1, NULL}` and an empty environment (the pod's pause process), and bind-mounts the
/// namespace on `ns_path` (an existing file). A short-lived child unshares CLONE_NEWPID and
/// forks the init, which gets /dev/null as stdio, no other descriptors, and is re-parented to
/// the node's init when the child exits, so it outlives the caller.
/// Returns 0 with `*init_pid` (in the caller's PID namespace), or -1 with errno set and `*step`:
/// 1 unshare, 2 bind mount, 3 fork of the init, 4 execve of `pause_path`, 5 pipe/clone/wait.
int shim_pidns_create(const char *ns_path, const char *pause_path, const char *argv0, const char *arg1, int *init_pid, int *step);

/// ioctl(NS_GET_NSTYPE): the CLONE_NEW* type of the namespace `fd` refers to, or -1 (ENOTTY
/// when `fd` is not a namespace file).
int shim_ns_get_type(int fd);

/// posix_spawn_file_actions_addclosefrom_np(3): the spawned child closes every fd >= `from`.
int shim_spawn_file_actions_closefrom(posix_spawn_file_actions_t *actions, int from);

/// `errno` of the calling thread, and setting it.
int shim_errno(void);
void shim_set_errno(int value);

#endif
