#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/linux/ca_cache.h"

#define PATH_CAP 512
/* distinct pairs of paths held at once: a config names one bundle */
#define ENTRIES 4

struct ca_entry {
	char system[PATH_CAP], bundle[PATH_CAP];
	unsigned refs; /* 0: free */
	mbedtls_x509_crt crt;
};

static struct ca_entry entries[ENTRIES];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int load(struct ca_entry *e, char *msg, size_t cap)
{
	int rc = -1;

	mbedtls_x509_crt_init(&e->crt);
	if (mbedtls_x509_crt_parse_file(&e->crt, e->system) >= 0)
		rc = 0;
	if (e->bundle[0]) {
		if (mbedtls_x509_crt_parse_file(&e->crt, e->bundle) < 0) {
			snprintf(msg, cap, "cannot read CA bundle %s",
				 e->bundle);
			rc = -1;
		} else {
			rc = 0;
		}
	} else if (rc) {
		snprintf(msg, cap, "no trusted CA: %s unreadable", e->system);
	}
	if (rc)
		mbedtls_x509_crt_free(&e->crt);
	return rc;
}

const mbedtls_x509_crt *bb_ca_get(const char *system, const char *bundle,
				  char *msg, size_t cap)
{
	struct ca_entry *e = NULL, *free_e = NULL;
	const mbedtls_x509_crt *ca = NULL;
	int i;

	if (!system)
		system = "/etc/ssl/certs/ca-certificates.crt";
	if (!bundle)
		bundle = "";
	if (strlen(system) >= PATH_CAP || strlen(bundle) >= PATH_CAP) {
		snprintf(msg, cap, "CA bundle path too long");
		return NULL;
	}
	/* parsed under the lock: a second fetch for the same pair waits for
	 * the first parse rather than doing its own */
	pthread_mutex_lock(&mu);
	for (i = 0; i < ENTRIES; i++) {
		if (!entries[i].refs) {
			if (!free_e)
				free_e = &entries[i];
		} else if (!strcmp(entries[i].system, system) &&
			   !strcmp(entries[i].bundle, bundle)) {
			e = &entries[i];
		}
	}
	if (e) {
		e->refs++;
		ca = &e->crt;
	} else if (free_e) {
		strcpy(free_e->system, system);
		strcpy(free_e->bundle, bundle);
		if (!load(free_e, msg, cap)) {
			free_e->refs = 1;
			ca = &free_e->crt;
		}
	} else {
		snprintf(msg, cap, "too many CA bundles in use");
	}
	pthread_mutex_unlock(&mu);
	return ca;
}

void bb_ca_put(const mbedtls_x509_crt *ca)
{
	int i;

	if (!ca)
		return;
	pthread_mutex_lock(&mu);
	for (i = 0; i < ENTRIES; i++) {
		if (entries[i].refs && &entries[i].crt == ca) {
			if (!--entries[i].refs)
				mbedtls_x509_crt_free(&entries[i].crt);
			break;
		}
	}
	pthread_mutex_unlock(&mu);
}
