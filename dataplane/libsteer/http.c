#include "http.h"
void http_req_init(struct http_req *r) { (void)r; }
int http_parse_request(struct http_req *r, const char *b, size_t l) { (void)r; (void)b; (void)l; return HTTP_ERROR; }
int http_error_status(enum http_error e) { (void)e; return 400; }
const char *http_error_str(enum http_error e) { (void)e; return ""; }
int http_name_eq(const struct http_field *f, const char *n, size_t l) { (void)f; (void)n; (void)l; return 0; }
int http_find_field(const struct http_req *r, const char *n, size_t l, int from) { (void)r; (void)n; (void)l; (void)from; return -1; }
