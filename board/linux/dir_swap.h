/* Publishing a set of files at once: they are written into a staging
 * directory beside the live one, which is then exchanged with it in one
 * renameat2(RENAME_EXCHANGE). After a crash either the old set or the new
 * one is live, never a key from one and a certificate from the other. */
#ifndef BB_LINUX_DIR_SWAP_H
#define BB_LINUX_DIR_SWAP_H

#include <stddef.h>

/* Empties (and creates, mode 0700) "<live>.new" and writes its name to
 * staged. 0 or a negative BB_E*. */
int bb_dir_stage(const char *live, char *staged, size_t cap);
/* Makes staged live; the old files are removed. Where the filesystem
 * cannot exchange directories, the files are moved one by one (each
 * rename still atomic). 0 or a negative BB_E*. */
int bb_dir_publish(const char *staged, const char *live);

#endif
