/* Moved to services/http/x509_ipsan.h (the lwIP board's TLS client uses
 * it too); this name stays for the fetch files until they include the
 * new one. */
#include "http/x509_ipsan.h"
