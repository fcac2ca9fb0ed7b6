/* Start-up touches code that the running appliance never runs again: the
 * config parser, libyaml, certificate loading, mbedTLS set-up. Its pages
 * stay mapped (counted in RSS) until something unmaps them; this does,
 * for executable file mappings only, which are never written, so the
 * kernel simply maps back in whatever the loop does run. */
#ifndef BB_LINUX_TRIM_H
#define BB_LINUX_TRIM_H

/* The number of mappings trimmed. */
int bb_trim_code_pages(void);

#endif
