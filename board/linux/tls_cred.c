#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>

#include "board/linux/tls_cred.h"
#include "board/linux/tls_rng.h"

static int same(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int bb_tls_cred_changed(const struct bb_tls_cred *c, const char *cert_path,
			const char *key_path)
{
	struct stat cs, ks;

	if (stat(cert_path, &cs) || stat(key_path, &ks))
		return 0; /* nothing (new) to load */
	return !c || !same(&cs, &c->cert_st) || !same(&ks, &c->key_st);
}

static void cred_free(struct bb_tls_cred *c)
{
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->chain);
	mbedtls_pk_free(&c->key);
	free(c);
}

struct bb_tls_cred *bb_tls_cred_get(struct bb_tls_cred *c)
{
	c->refs++;
	return c;
}

const struct mbedtls_ssl_config *bb_tls_cred_conf(const struct bb_tls_cred *c)
{
	return &c->conf;
}

void bb_tls_cred_serial(const struct bb_tls_cred *c, char *buf, size_t cap)
{
	if (mbedtls_x509_serial_gets(buf, cap, &c->chain.serial) < 0 && cap)
		buf[0] = 0;
}

void bb_tls_cred_put(struct bb_tls_cred *c)
{
	if (c && --c->refs == 0)
		cred_free(c);
}

static int setup_conf(struct bb_tls_cred *c)
{
	mbedtls_ctr_drbg_context *rng = bb_tls_rng();

	if (!rng || mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_SERVER,
						MBEDTLS_SSL_TRANSPORT_STREAM,
						MBEDTLS_SSL_PRESET_DEFAULT))
		return -1;
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, rng);
	/* the chain after the leaf is sent too, so clients that trust only
	 * the root can build the path */
	return mbedtls_ssl_conf_own_cert(&c->conf, &c->chain, &c->key) ? -1 : 0;
}

struct bb_tls_cred *bb_tls_cred_load(const char *cert_path,
				     const char *key_path, char *msg,
				     size_t cap)
{
	struct bb_tls_cred *c = calloc(1, sizeof(*c));
	const char *why = NULL;

	if (!c) {
		snprintf(msg, cap, "out of memory");
		return NULL;
	}
	c->refs = 1;
	mbedtls_x509_crt_init(&c->chain);
	mbedtls_pk_init(&c->key);
	mbedtls_ssl_config_init(&c->conf);
	/* stat first: a file replaced after this is seen as changed again */
	if (stat(cert_path, &c->cert_st) || stat(key_path, &c->key_st))
		why = "missing";
	else if (mbedtls_x509_crt_parse_file(&c->chain, cert_path))
		why = "the certificate does not parse";
	else if (mbedtls_pk_parse_keyfile(&c->key, key_path, NULL))
		why = "the key does not parse";
	else if (mbedtls_pk_check_pair(&c->chain.pk, &c->key))
		why = "the key is not the certificate's";
	else if (setup_conf(c))
		why = "TLS set-up failed";
	if (!why)
		return c;
	snprintf(msg, cap, "%s / %s: %s", cert_path, key_path, why);
	cred_free(c);
	return NULL;
}
