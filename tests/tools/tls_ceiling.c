/* The ceiling a cold fetch is measured against: how fast mbedTLS's own
 * AEAD (the generic cipher layer its record code calls) encrypts and
 * decrypts TLS-sized records on one core, in MiB/s of plaintext.
 *
 *   tls_ceiling [-m MS] [-r BYTES] [NAME...]
 *
 * NAME is aes-128-gcm, aes-256-gcm or chacha20-poly1305, or a cipher
 * suite name as mbedTLS spells it (TLS-ECDHE-...-WITH-CHACHA20-POLY1305-
 * SHA256): its AEAD is measured. No NAME: all three. One line each:
 * "AEAD encrypt MiB/s decrypt MiB/s". Each direction runs for MS
 * milliseconds (default 1000) on records of BYTES (default 16384). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/cipher.h>

static const struct aead {
	const char *name, *in_suite;
	mbedtls_cipher_type_t type;
	unsigned key_bits;
} aeads[] = {
    {"aes-128-gcm", "AES-128-GCM", MBEDTLS_CIPHER_AES_128_GCM, 128},
    {"aes-256-gcm", "AES-256-GCM", MBEDTLS_CIPHER_AES_256_GCM, 256},
    {"chacha20-poly1305", "CHACHA20-POLY1305", MBEDTLS_CIPHER_CHACHA20_POLY1305,
     256},
};
#define N_AEADS (sizeof(aeads) / sizeof(aeads[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct aead *lookup(const char *name)
{
	size_t i;

	for (i = 0; i < N_AEADS; i++)
		if (!strcmp(name, aeads[i].name) ||
		    strstr(name, aeads[i].in_suite))
			return &aeads[i];
	return NULL;
}

/* MiB/s of one direction, or a negative value on an mbedTLS error. The
 * nonce and additional data are shaped as TLS 1.2 records have them. */
static double run(const struct aead *a, int decrypt, double secs, size_t rec)
{
	unsigned char key[32] = {1}, iv[12] = {2}, ad[13] = {3};
	unsigned char *pt = calloc(1, rec), *ct = malloc(rec + 16),
		      *out = malloc(rec + 16);
	mbedtls_cipher_context_t c;
	double t0, t, mib = -1;
	unsigned long n = 0;
	size_t olen;

	mbedtls_cipher_init(&c);
	if (!pt || !ct || !out ||
	    mbedtls_cipher_setup(&c, mbedtls_cipher_info_from_type(a->type)) ||
	    mbedtls_cipher_setkey(&c, key, (int)a->key_bits,
				  decrypt ? MBEDTLS_DECRYPT : MBEDTLS_ENCRYPT))
		goto out;
	if (decrypt) {
		/* a valid record to open, sealed with the same key */
		mbedtls_cipher_context_t e;
		int rc;

		mbedtls_cipher_init(&e);
		rc = mbedtls_cipher_setup(
			 &e, mbedtls_cipher_info_from_type(a->type)) ||
		     mbedtls_cipher_setkey(&e, key, (int)a->key_bits,
					   MBEDTLS_ENCRYPT) ||
		     mbedtls_cipher_auth_encrypt_ext(&e, iv, sizeof(iv), ad,
						     sizeof(ad), pt, rec, ct,
						     rec + 16, &olen, 16);
		mbedtls_cipher_free(&e);
		if (rc)
			goto out;
	}
	t0 = now();
	do {
		int i, rc = 0;

		for (i = 0; i < 16 && !rc; i++, n++)
			rc = decrypt ? mbedtls_cipher_auth_decrypt_ext(
					   &c, iv, sizeof(iv), ad, sizeof(ad),
					   ct, rec + 16, out, rec, &olen, 16)
				     : mbedtls_cipher_auth_encrypt_ext(
					   &c, iv, sizeof(iv), ad, sizeof(ad),
					   pt, rec, out, rec + 16, &olen, 16);
		if (rc)
			goto out;
		t = now() - t0;
	} while (t < secs);
	mib = (double)n * (double)rec / (1 << 20) / t;
out:
	mbedtls_cipher_free(&c);
	free(pt);
	free(ct);
	free(out);
	return mib;
}

int main(int argc, char **argv)
{
	double secs = 1.0;
	size_t rec = 16384;
	int opt, i, rc = 0;

	while ((opt = getopt(argc, argv, "m:r:")) != -1) {
		if (opt == 'm')
			secs = atoi(optarg) / 1000.0;
		else if (opt == 'r')
			rec = (size_t)atol(optarg);
		else
			return 2;
	}
	if (secs <= 0 || rec < 1 || rec > (1u << 20)) {
		fprintf(stderr, "tls_ceiling: bad -m or -r\n");
		return 2;
	}
	for (i = optind; i < argc || (i == optind && argc == optind); i++) {
		const struct aead *only = i < argc ? lookup(argv[i]) : NULL;
		size_t k;

		if (i < argc && !only) {
			fprintf(stderr, "tls_ceiling: no AEAD in '%s'\n",
				argv[i]);
			rc = 2;
			continue;
		}
		for (k = 0; k < N_AEADS; k++) {
			double e, d;

			if (only && only != &aeads[k])
				continue;
			e = run(&aeads[k], 0, secs, rec);
			d = run(&aeads[k], 1, secs, rec);
			if (e < 0 || d < 0) {
				fprintf(stderr, "tls_ceiling: %s failed\n",
					aeads[k].name);
				rc = 1;
				continue;
			}
			printf("%s encrypt %.0f decrypt %.0f\n", aeads[k].name,
			       e, d);
		}
	}
	return rc;
}
