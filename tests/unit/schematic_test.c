/* services/cache/schematic_reply: the Image Factory's schematic id, and
 * every way a reply can fail to be one. */
#include "cache/schematic_reply.h"
#include "common/err.h"
#include "test.h"

#define ID "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"

static const char *why;
static char id[65];

static int parse(int status, const char *s)
{
	size_t n = strlen(s);
	void *g = bb_test_guard(s, n);
	int rc = bb_schematic_reply_parse(status, g, n, id, &why);

	bb_test_unguard(g, n);
	return rc;
}

static void factory_answers(void)
{
	CHECK_EQ(parse(201, "{\"id\":\"" ID "\"}"), 0);
	CHECK_STR(id, ID);
	CHECK_EQ(parse(200, " {\"id\": \"" ID "\"}\n"), 0);
	CHECK_STR(id, ID);
	/* other members are the factory's business */
	CHECK_EQ(parse(201, "{\"id\":\"" ID "\",\"x\":[1,{}]}"), 0);
}

static void not_an_answer(void)
{
	CHECK_EQ(parse(400, "{\"id\":\"" ID "\"}"), BB_EMALFORMED);
	CHECK_EQ(parse(500, "{\"code\":500,\"message\":\"x\"}"), BB_EMALFORMED);
	CHECK_EQ(parse(302, ""), BB_EMALFORMED);
	CHECK_STR(id, "");
	CHECK(why[0]);
}

static void wrong_ids(void)
{
	/* one digit short, one too many, upper case, not hex, a path */
	CHECK_EQ(parse(201, "{\"id\":\"" ID "0\"}"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"376567988ad370138ad8b2698212367b8edcb69b"
			    "5fd68c80be1f2ec7d603b4b\"}"),
		 BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"376567988AD370138AD8B2698212367B8EDCB69B"
			    "5FD68C80BE1F2EC7D603B4BA\"}"),
		 BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"z76567988ad370138ad8b2698212367b8edcb69b"
			    "5fd68c80be1f2ec7d603b4ba\"}"),
		 BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"../../../../etc/passwd\"}"),
		 BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"\"}"), BB_EMALFORMED);
	CHECK_STR(why, "the schematic id is not 64 lowercase hex digits");
	/* a NUL escaped inside the string would hide the rest */
	CHECK_EQ(parse(201, "{\"id\":\"" ID "\\u0000x\"}"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"" ID "\",\"x\":\"\\\\u0000\"}"), 0);
}

static void wrong_types(void)
{
	CHECK_EQ(parse(201, "{\"id\":12}"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":null}"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":[\"" ID "\"]}"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "[\"" ID "\"]"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "\"" ID "\""), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{}"), BB_EMALFORMED);
	/* the member is "id", exactly */
	CHECK_EQ(parse(201, "{\"ID\":\"" ID "\"}"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"Id\":\"" ID "\"}"), BB_EMALFORMED);
	/* twice: readers could disagree */
	CHECK_EQ(parse(201, "{\"id\":\"" ID "\",\"id\":\"" ID "\"}"),
		 BB_EMALFORMED);
}

static void not_json(void)
{
	char *big;
	size_t n = BB_SCHEMATIC_REPLY_MAX + 1;

	CHECK_EQ(parse(201, ""), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"" ID), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"" ID "\"} trailing"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "{\"id\":\"" ID "\"}{}"), BB_EMALFORMED);
	CHECK_EQ(parse(201, "<html>502 Bad Gateway</html>"), BB_EMALFORMED);
	CHECK_EQ(bb_schematic_reply_parse(201, "{\"id\":\"" ID "\"}\0", 74, id,
					  &why),
		 BB_EMALFORMED);
	CHECK_EQ(bb_schematic_reply_parse(201, NULL, 0, id, &why),
		 BB_EMALFORMED);
	big = malloc(n);
	memset(big, ' ', n);
	CHECK_EQ(bb_schematic_reply_parse(201, big, n, id, &why), BB_ETOOBIG);
	memset(big, '[', n - 1);
	CHECK_EQ(bb_schematic_reply_parse(201, big, n - 1, id, &why),
		 BB_EMALFORMED);
	free(big);
}

int main(void)
{
	RUN(factory_answers);
	RUN(not_an_answer);
	RUN(wrong_ids);
	RUN(wrong_types);
	RUN(not_json);
	return bb_test_done();
}
