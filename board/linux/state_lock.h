/* One bootbox per state directory: an exclusive flock() on
 * <state_dir>/bootbox.lock, held for the life of the process, with the
 * holder's PID written in the file so that a second one can name it. */
#ifndef BB_STATE_LOCK_H
#define BB_STATE_LOCK_H

/* Creates dir when missing and takes the lock; the fd (>= 0, close-on-exec)
 * or BB_EEXIST with *holder set to the PID in the file (0: unknown), or
 * BB_EIO (errno set). */
int bb_state_lock(const char *dir, long *holder);

#endif
