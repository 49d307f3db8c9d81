/* SPDX-License-Identifier: Apache-2.0 */
/* Lexer, recursive-descent parser and three-valued evaluator for check expressions. */
#include "core/expr.h"

#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind {
	TK_EOF,
	TK_INT,
	TK_STR,
	TK_NAME,
	TK_DOT,
	TK_DOLLAR,
	TK_LPAREN,
	TK_RPAREN,
	TK_LBRACK,
	TK_RBRACK,
	TK_COMMA,
	TK_EQ,
	TK_NE,
	TK_LT,
	TK_LE,
	TK_GT,
	TK_GE,
};

struct tok {
	enum tok_kind kind;
	int col;
	const char *start;
	size_t len;
	long long ival;
	char *sval; /* TK_STR, unescaped, owned */
};

enum node_kind {
	N_LIT,   /* lit */
	N_LIST,  /* kids */
	N_PATH,  /* words / prefixes */
	N_IT,    /* fields (words) */
	N_PARAM, /* name */
	N_NOT,
	N_AND,
	N_OR,
	N_CMP,  /* op, kids[0], kids[1] */
	N_CALL, /* fn, kids */
};

enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOT_IN };
enum fn_kind { FN_ANY, FN_ALL, FN_COUNT, FN_LEN };

struct node {
	enum node_kind kind;
	int col;
	int op; /* cmp_op or fn_kind */
	json_t *lit;
	char *name;      /* N_PATH: full dotted path; N_PARAM: parameter name */
	char **words;    /* N_PATH, N_IT: the dotted words */
	char **prefixes; /* N_PATH: prefixes[k] = words[0..k] joined with '.' */
	size_t nwords;
	struct node **kids;
	size_t nkids;
};

struct expr {
	struct node *root;
};

struct parser {
	const char *src;
	size_t len;
	size_t pos;
	struct tok cur;
	int depth;
	struct errbuf *e;
	int err_col;
	bool failed;
};

/* ---------------------------------------------------------------- lexer */

static bool is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(int c)
{
	return is_name_start(c) || c_isdigit(c);
}

static int p_fail(struct parser *p, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int p_fail(struct parser *p, int col, const char *fmt, ...)
{
	if (!p->failed) {
		p->failed = true;
		p->err_col = col;
		if (p->e) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(p->e->msg, sizeof(p->e->msg), fmt, ap);
			va_end(ap);
		}
	}
	return MAMORI_EPARSE;
}

static int lex(struct parser *p)
{
	free(p->cur.sval);
	memset(&p->cur, 0, sizeof(p->cur));
	while (p->pos < p->len && c_isspace((unsigned char)p->src[p->pos]))
		p->pos++;
	struct tok *t = &p->cur;
	t->col = (int)p->pos + 1;
	t->start = p->src + p->pos;
	if (p->pos >= p->len) {
		t->kind = TK_EOF;
		return 0;
	}
	char c = p->src[p->pos];
	char n = p->pos + 1 < p->len ? p->src[p->pos + 1] : '\0';
	size_t start = p->pos;
	if (c_isdigit((unsigned char)c)) {
		while (p->pos < p->len && c_isdigit((unsigned char)p->src[p->pos]))
			p->pos++;
		if (p->pos < p->len && is_name_char((unsigned char)p->src[p->pos]))
			return p_fail(p, t->col, "malformed number");
		if (strn_to_ll(p->src + start, p->pos - start, 0, 9223372036854775807LL, &t->ival,
			       NULL))
			return p_fail(p, t->col, "number out of range");
		t->kind = TK_INT;
		t->len = p->pos - start;
		return 0;
	}
	if (is_name_start((unsigned char)c)) {
		while (p->pos < p->len && is_name_char((unsigned char)p->src[p->pos]))
			p->pos++;
		t->kind = TK_NAME;
		t->len = p->pos - start;
		return 0;
	}
	if (c == '"') {
		struct buf b;
		buf_init(&b, EXPR_MAX_LEN);
		p->pos++;
		for (;;) {
			if (p->pos >= p->len) {
				buf_free(&b);
				return p_fail(p, t->col, "unterminated string");
			}
			char ch = p->src[p->pos++];
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (p->pos >= p->len) {
					buf_free(&b);
					return p_fail(p, t->col, "unterminated string");
				}
				char esc = p->src[p->pos++];
				if (esc == 'n')
					ch = '\n';
				else if (esc == '"' || esc == '\\')
					ch = esc;
				else {
					buf_free(&b);
					return p_fail(p, (int)p->pos - 1,
						      "unknown escape in string");
				}
			}
			if (buf_add(&b, &ch, 1))
				return p_fail(p, t->col, "out of memory");
		}
		t->kind = TK_STR;
		t->sval = buf_take(&b);
		if (t->sval == NULL)
			return p_fail(p, t->col, "out of memory");
		t->len = p->pos - start;
		return 0;
	}
	p->pos++;
	t->len = 1;
	switch (c) {
	case '.': t->kind = TK_DOT; return 0;
	case '$': t->kind = TK_DOLLAR; return 0;
	case '(': t->kind = TK_LPAREN; return 0;
	case ')': t->kind = TK_RPAREN; return 0;
	case '[': t->kind = TK_LBRACK; return 0;
	case ']': t->kind = TK_RBRACK; return 0;
	case ',': t->kind = TK_COMMA; return 0;
	case '=':
		if (n == '=') {
			p->pos++;
			t->kind = TK_EQ;
			t->len = 2;
			return 0;
		}
		return p_fail(p, t->col, "expected '==' (comparison), found '='");
	case '!':
		if (n == '=') {
			p->pos++;
			t->kind = TK_NE;
			t->len = 2;
			return 0;
		}
		return p_fail(p, t->col, "expected '!=', or use 'not'");
	case '<':
	case '>':
		if (n == '=') {
			p->pos++;
			t->len = 2;
			t->kind = c == '<' ? TK_LE : TK_GE;
		} else {
			t->kind = c == '<' ? TK_LT : TK_GT;
		}
		return 0;
	default: {
		char what[8];
		if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
			snprintf(what, sizeof(what), "'%c'", c);
		else
			snprintf(what, sizeof(what), "0x%02x", (unsigned char)c);
		return p_fail(p, t->col, "unexpected character %s", what);
	}
	}
}

static bool tok_is(const struct parser *p, const char *kw)
{
	return p->cur.kind == TK_NAME && p->cur.len == strlen(kw) &&
	       memcmp(p->cur.start, kw, p->cur.len) == 0;
}

static const char *const keywords[] = {"and", "or", "not", "in", "true", "false", "null",
				       "it", "any", "all", "count", "len"};

static bool tok_is_keyword(const struct parser *p)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (tok_is(p, keywords[i]))
			return true;
	return false;
}

/* ---------------------------------------------------------------- AST */

static void node_free(struct node *nd)
{
	if (nd == NULL)
		return;
	json_decref(nd->lit);
	free(nd->name);
	for (size_t i = 0; i < nd->nwords; i++) {
		free(nd->words[i]);
		if (nd->prefixes)
			free(nd->prefixes[i]);
	}
	free(nd->words);
	free(nd->prefixes);
	for (size_t i = 0; i < nd->nkids; i++)
		node_free(nd->kids[i]);
	free(nd->kids);
	free(nd);
}

static struct node *node_new(struct parser *p, enum node_kind k, int col)
{
	struct node *nd = calloc(1, sizeof(*nd));
	if (nd == NULL) {
		p_fail(p, col, "out of memory");
		return NULL;
	}
	nd->kind = k;
	nd->col = col;
	return nd;
}

static int node_add(struct parser *p, struct node *parent, struct node *kid)
{
	if (kid == NULL)
		return MAMORI_EPARSE;
	struct node **k = realloc(parent->kids, (parent->nkids + 1) * sizeof(*k));
	if (k == NULL) {
		node_free(kid);
		return p_fail(p, parent->col, "out of memory");
	}
	parent->kids = k;
	parent->kids[parent->nkids++] = kid;
	return 0;
}

static int add_word(struct parser *p, struct node *nd)
{
	char **w = realloc(nd->words, (nd->nwords + 1) * sizeof(*w));
	if (w == NULL)
		return p_fail(p, p->cur.col, "out of memory");
	nd->words = w;
	nd->words[nd->nwords] = xstrndup(p->cur.start, p->cur.len);
	if (nd->words[nd->nwords] == NULL)
		return p_fail(p, p->cur.col, "out of memory");
	nd->nwords++;
	return 0;
}

static struct node *parse_expr(struct parser *p);

static bool expect(struct parser *p, enum tok_kind k, const char *what)
{
	if (p->cur.kind != k) {
		p_fail(p, p->cur.col, "expected %s", what);
		return false;
	}
	return lex(p) == 0;
}

/* After a name (or "it") reads further ".word" parts. */
static int parse_words(struct parser *p, struct node *nd)
{
	while (p->cur.kind == TK_DOT) {
		if (lex(p))
			return MAMORI_EPARSE;
		if (p->cur.kind != TK_NAME)
			return p_fail(p, p->cur.col, "expected a name after '.'");
		if (add_word(p, nd) || lex(p))
			return MAMORI_EPARSE;
	}
	return 0;
}

static int path_prefixes(struct parser *p, struct node *nd)
{
	nd->prefixes = calloc(nd->nwords, sizeof(char *));
	if (nd->prefixes == NULL)
		return p_fail(p, nd->col, "out of memory");
	struct buf b;
	buf_init(&b, EXPR_MAX_LEN);
	for (size_t i = 0; i < nd->nwords; i++) {
		if ((i && buf_adds(&b, ".")) || buf_adds(&b, nd->words[i]))
			return p_fail(p, nd->col, "out of memory");
		nd->prefixes[i] = xstrdup(b.data);
		if (nd->prefixes[i] == NULL) {
			buf_free(&b);
			return p_fail(p, nd->col, "out of memory");
		}
	}
	nd->name = buf_take(&b);
	return nd->name ? 0 : p_fail(p, nd->col, "out of memory");
}

static struct node *parse_call(struct parser *p, int fn, int col)
{
	struct node *nd = node_new(p, N_CALL, col);
	if (nd == NULL || lex(p) || !expect(p, TK_LPAREN, "'(' after a function name"))
		goto bad;
	nd->op = fn;
	if (node_add(p, nd, parse_expr(p)))
		goto bad;
	if (p->cur.kind == TK_COMMA) {
		if (fn == FN_LEN) {
			p_fail(p, p->cur.col, "len() takes one argument");
			goto bad;
		}
		if (lex(p) || node_add(p, nd, parse_expr(p)))
			goto bad;
	} else if (fn == FN_ANY || fn == FN_ALL) {
		p_fail(p, p->cur.col, "expected ',' and a condition: any/all(LIST, CONDITION)");
		goto bad;
	}
	if (!expect(p, TK_RPAREN, "')'"))
		goto bad;
	return nd;
bad:
	node_free(nd);
	return NULL;
}

static struct node *parse_operand(struct parser *p)
{
	int col = p->cur.col;
	struct node *nd = NULL;
	switch (p->cur.kind) {
	case TK_INT:
		nd = node_new(p, N_LIT, col);
		if (nd == NULL)
			return NULL;
		nd->lit = json_integer(p->cur.ival);
		break;
	case TK_STR:
		nd = node_new(p, N_LIT, col);
		if (nd == NULL)
			return NULL;
		nd->lit = json_string(p->cur.sval);
		if (nd->lit == NULL) {
			p_fail(p, col, "string is not valid UTF-8");
			node_free(nd);
			return NULL;
		}
		break;
	case TK_LPAREN:
		if (lex(p))
			return NULL;
		nd = parse_expr(p);
		if (nd == NULL || !expect(p, TK_RPAREN, "')'")) {
			node_free(nd);
			return NULL;
		}
		return nd;
	case TK_LBRACK:
		nd = node_new(p, N_LIST, col);
		if (nd == NULL || lex(p))
			goto bad;
		if (p->cur.kind != TK_RBRACK) {
			for (;;) {
				if (node_add(p, nd, parse_expr(p)))
					goto bad;
				if (p->cur.kind != TK_COMMA)
					break;
				if (lex(p))
					goto bad;
			}
		}
		if (!expect(p, TK_RBRACK, "',' or ']'"))
			goto bad;
		return nd;
	case TK_DOLLAR:
		if (lex(p))
			return NULL;
		if (p->cur.kind != TK_NAME) {
			p_fail(p, p->cur.col, "expected a parameter name after '$'");
			return NULL;
		}
		nd = node_new(p, N_PARAM, col);
		if (nd == NULL)
			return NULL;
		nd->name = xstrndup(p->cur.start, p->cur.len);
		if (nd->name == NULL)
			goto bad;
		break;
	case TK_NAME:
		if (tok_is(p, "true") || tok_is(p, "false") || tok_is(p, "null")) {
			nd = node_new(p, N_LIT, col);
			if (nd == NULL)
				return NULL;
			nd->lit = tok_is(p, "null") ? json_null() : json_boolean(tok_is(p, "true"));
			break;
		}
		if (tok_is(p, "any"))
			return parse_call(p, FN_ANY, col);
		if (tok_is(p, "all"))
			return parse_call(p, FN_ALL, col);
		if (tok_is(p, "count"))
			return parse_call(p, FN_COUNT, col);
		if (tok_is(p, "len"))
			return parse_call(p, FN_LEN, col);
		if (tok_is(p, "it")) {
			nd = node_new(p, N_IT, col);
			if (nd == NULL || lex(p) || parse_words(p, nd))
				goto bad;
			return nd;
		}
		if (tok_is_keyword(p)) {
			char kw[16];
			snprintf(kw, sizeof(kw), "%.*s", (int)p->cur.len, p->cur.start);
			p_fail(p, col, "expected a value, found keyword '%s'", kw);
			return NULL;
		}
		nd = node_new(p, N_PATH, col);
		if (nd == NULL || add_word(p, nd) || lex(p) || parse_words(p, nd) ||
		    path_prefixes(p, nd))
			goto bad;
		return nd;
	case TK_EOF:
		p_fail(p, col, "expected a value, found the end");
		return NULL;
	default:
		p_fail(p, col, "expected a value");
		return NULL;
	}
	if (nd->kind == N_LIT && nd->lit == NULL) {
		p_fail(p, col, "out of memory");
		goto bad;
	}
	if (lex(p))
		goto bad;
	return nd;
bad:
	node_free(nd);
	return NULL;
}

static struct node *parse_compare(struct parser *p)
{
	struct node *left = parse_operand(p);
	if (left == NULL)
		return NULL;
	int op = -1, col = p->cur.col;
	switch (p->cur.kind) {
	case TK_EQ: op = OP_EQ; break;
	case TK_NE: op = OP_NE; break;
	case TK_LT: op = OP_LT; break;
	case TK_LE: op = OP_LE; break;
	case TK_GT: op = OP_GT; break;
	case TK_GE: op = OP_GE; break;
	default:
		if (tok_is(p, "in"))
			op = OP_IN;
		else if (tok_is(p, "not")) {
			/* "x not in L": peek that "in" follows */
			size_t save = p->pos;
			struct tok saved = p->cur;
			p->cur.sval = NULL;
			if (lex(p)) {
				node_free(left);
				return NULL;
			}
			if (tok_is(p, "in")) {
				op = OP_NOT_IN;
				free(saved.sval);
			} else {
				free(p->cur.sval);
				p->cur = saved;
				p->pos = save;
			}
		}
		break;
	}
	if (op < 0)
		return left;
	struct node *nd = node_new(p, N_CMP, col);
	if (nd == NULL) {
		node_free(left);
		return NULL;
	}
	nd->op = op;
	if (node_add(p, nd, left) || lex(p) || node_add(p, nd, parse_operand(p))) {
		node_free(nd);
		return NULL;
	}
	return nd;
}

static struct node *parse_not(struct parser *p)
{
	if (++p->depth > EXPR_MAX_DEPTH) {
		p_fail(p, p->cur.col, "expression nested too deeply");
		return NULL;
	}
	struct node *r;
	if (tok_is(p, "not")) {
		struct node *nd = node_new(p, N_NOT, p->cur.col);
		if (nd == NULL || lex(p) || node_add(p, nd, parse_not(p))) {
			node_free(nd);
			return NULL;
		}
		r = nd;
	} else {
		r = parse_compare(p);
	}
	p->depth--;
	return r;
}

static struct node *parse_binary(struct parser *p, const char *kw, enum node_kind k,
				 struct node *(*sub)(struct parser *))
{
	struct node *left = sub(p);
	if (left == NULL)
		return NULL;
	if (!tok_is(p, kw))
		return left;
	struct node *nd = node_new(p, k, p->cur.col);
	if (nd == NULL || node_add(p, nd, left)) {
		if (nd == NULL)
			node_free(left);
		node_free(nd);
		return NULL;
	}
	while (tok_is(p, kw)) {
		if (lex(p) || node_add(p, nd, sub(p))) {
			node_free(nd);
			return NULL;
		}
	}
	return nd;
}

static struct node *parse_and(struct parser *p)
{
	return parse_binary(p, "and", N_AND, parse_not);
}

static struct node *parse_expr(struct parser *p)
{
	if (++p->depth > EXPR_MAX_DEPTH) {
		p_fail(p, p->cur.col, "expression nested too deeply");
		return NULL;
	}
	struct node *r = parse_binary(p, "or", N_OR, parse_and);
	p->depth--;
	return r;
}

int expr_parse(const char *src, struct expr **out, int *col, struct errbuf *e)
{
	struct parser p = {.src = src, .len = strlen(src), .e = e};
	if (p.len > EXPR_MAX_LEN) {
		*col = 1;
		return err_set(e, MAMORI_EPARSE, "expression longer than %d bytes", EXPR_MAX_LEN);
	}
	struct node *root = NULL;
	if (lex(&p) == 0) {
		root = parse_expr(&p);
		if (root && p.cur.kind != TK_EOF) {
			p_fail(&p, p.cur.col, "unexpected text after the expression");
			node_free(root);
			root = NULL;
		}
	}
	free(p.cur.sval);
	if (root == NULL) {
		*col = p.err_col ? p.err_col : 1;
		if (!p.failed)
			err_set(e, MAMORI_EPARSE, "malformed expression");
		return MAMORI_EPARSE;
	}
	struct expr *x = malloc(sizeof(*x));
	if (x == NULL) {
		node_free(root);
		*col = 1;
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	x->root = root;
	*out = x;
	return 0;
}

void expr_free(struct expr *x)
{
	if (x == NULL)
		return;
	node_free(x->root);
	free(x);
}

static int names_add(const char ***arr, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*arr)[i], s) == 0)
			return 0;
	const char **a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (a == NULL)
		return MAMORI_ENOMEM;
	a[(*n)++] = s;
	*arr = a;
	return 0;
}

static int names_walk(const struct node *nd, const char ***paths, size_t *np, const char ***params,
		      size_t *nq)
{
	if (nd->kind == N_PATH && names_add(paths, np, nd->name))
		return MAMORI_ENOMEM;
	if (nd->kind == N_PARAM && names_add(params, nq, nd->name))
		return MAMORI_ENOMEM;
	for (size_t i = 0; i < nd->nkids; i++)
		if (names_walk(nd->kids[i], paths, np, params, nq))
			return MAMORI_ENOMEM;
	return 0;
}

int expr_names(const struct expr *x, const char ***paths, size_t *npaths, const char ***params,
	       size_t *nparams)
{
	const char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	if (names_walk(x->root, &a, &na, &b, &nb)) {
		free(a);
		free(b);
		return MAMORI_ENOMEM;
	}
	*paths = a;
	*npaths = na;
	*params = b;
	*nparams = nb;
	return 0;
}

/* ---------------------------------------------------------------- evaluator */

#define MAX_IT_DEPTH 8

struct eval {
	const struct expr_env *env;
	struct expr_result *res;
	const json_t *it[MAX_IT_DEPTH];
	int nit;
	bool oom;
};

/* A value during evaluation: an owned JSON reference, or unknown (j == NULL). */
struct val {
	json_t *j;
};

static const struct val UNKNOWN = {NULL};

static void record_read(struct eval *ev, const char *name)
{
	struct expr_result *r = ev->res;
	for (size_t i = 0; i < r->nread; i++)
		if (strcmp(r->facts_read[i], name) == 0)
			return;
	const char **a = realloc(r->facts_read, (r->nread + 1) * sizeof(*a));
	if (a == NULL) {
		ev->oom = true;
		return;
	}
	a[r->nread++] = name;
	r->facts_read = a;
}

static struct val type_error(struct eval *ev, const struct node *nd, const char *msg)
{
	if (ev->res->error == NULL) {
		ev->res->error = xasprintf("column %d: %s", nd->col, msg);
		ev->res->error_col = nd->col;
		if (ev->res->error == NULL)
			ev->oom = true;
	}
	return UNKNOWN;
}

static struct val own(json_t *j, struct eval *ev)
{
	if (j == NULL)
		ev->oom = true;
	return (struct val){j};
}

static struct val borrow(const json_t *j)
{
	return (struct val){json_incref((json_t *)j)};
}

static struct val eval_node(struct eval *ev, const struct node *nd);

static struct val descend(struct eval *ev, const struct node *nd, const json_t *v, size_t from)
{
	for (size_t i = from; i < nd->nwords; i++) {
		if (!json_is_object(v))
			return type_error(ev, nd, "field access on a value that is not an object");
		const json_t *f = json_object_get(v, nd->words[i]);
		v = f ? f : json_null();
	}
	return borrow(v);
}

static struct val eval_path(struct eval *ev, const struct node *nd)
{
	for (size_t k = nd->nwords; k > 0; k--) {
		const struct fact *f = facts_get(ev->env->facts, nd->prefixes[k - 1]);
		if (f == NULL)
			continue;
		record_read(ev, f->name);
		if (f->value == NULL)
			return UNKNOWN;
		return descend(ev, nd, f->value, k);
	}
	record_read(ev, nd->name); /* reported as "no probe recorded it" */
	return UNKNOWN;
}

static enum truth truth_of(struct eval *ev, const struct node *nd, struct val v)
{
	if (v.j == NULL)
		return T_UNKNOWN;
	enum truth t;
	if (json_is_boolean(v.j))
		t = json_is_true(v.j) ? T_TRUE : T_FALSE;
	else {
		type_error(ev, nd, "expected a condition (true or false)");
		t = T_UNKNOWN;
	}
	json_decref(v.j);
	return t;
}

static struct val from_truth(struct eval *ev, enum truth t)
{
	if (t == T_UNKNOWN)
		return UNKNOWN;
	return own(json_boolean(t == T_TRUE), ev);
}

static struct val eval_cmp(struct eval *ev, const struct node *nd)
{
	struct val a = eval_node(ev, nd->kids[0]);
	struct val b = eval_node(ev, nd->kids[1]);
	struct val r = UNKNOWN;
	if (a.j == NULL || b.j == NULL)
		goto out;
	switch (nd->op) {
	case OP_EQ:
	case OP_NE: {
		bool eq = json_equal(a.j, b.j);
		r = from_truth(ev, (eq == (nd->op == OP_EQ)) ? T_TRUE : T_FALSE);
		break;
	}
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE: {
		int c;
		if (json_is_null(a.j) || json_is_null(b.j))
			goto out; /* a value a probe could not learn */
		if (json_is_integer(a.j) && json_is_integer(b.j)) {
			json_int_t x = json_integer_value(a.j), y = json_integer_value(b.j);
			c = x < y ? -1 : x > y;
		} else if (json_is_string(a.j) && json_is_string(b.j)) {
			c = strcmp(json_string_value(a.j), json_string_value(b.j));
		} else {
			r = type_error(ev, nd, "'<', '<=', '>', '>=' compare two numbers or two strings");
			goto out;
		}
		bool t = nd->op == OP_LT ? c < 0 : nd->op == OP_LE ? c <= 0 : nd->op == OP_GT ? c > 0 : c >= 0;
		r = from_truth(ev, t ? T_TRUE : T_FALSE);
		break;
	}
	case OP_IN:
	case OP_NOT_IN: {
		bool found = false;
		if (json_is_null(a.j))
			goto out; /* a value a probe could not learn is in no list, nor out of it */
		if (json_is_array(b.j)) {
			size_t i;
			json_t *el;
			json_array_foreach(b.j, i, el)
			{
				if (json_equal(a.j, el)) {
					found = true;
					break;
				}
			}
		} else if (json_is_string(b.j) && json_is_string(a.j)) {
			found = strstr(json_string_value(b.j), json_string_value(a.j)) != NULL;
		} else {
			r = type_error(ev, nd, "'in' needs a list (or two strings)");
			goto out;
		}
		r = from_truth(ev, (found == (nd->op == OP_IN)) ? T_TRUE : T_FALSE);
		break;
	}
	default:
		break;
	}
out:
	json_decref(a.j);
	json_decref(b.j);
	return r;
}

static struct val eval_call(struct eval *ev, const struct node *nd)
{
	struct val lst = eval_node(ev, nd->kids[0]);
	if (lst.j == NULL)
		return UNKNOWN;
	if (nd->op == FN_LEN || (nd->op == FN_COUNT && nd->nkids == 1)) {
		json_int_t n;
		if (json_is_array(lst.j))
			n = (json_int_t)json_array_size(lst.j);
		else if (json_is_string(lst.j) && nd->op == FN_LEN)
			n = (json_int_t)json_string_length(lst.j);
		else {
			json_decref(lst.j);
			return type_error(ev, nd, "len()/count() need a list");
		}
		json_decref(lst.j);
		return own(json_integer(n), ev);
	}
	if (!json_is_array(lst.j)) {
		json_decref(lst.j);
		return type_error(ev, nd, "any()/all()/count() need a list as first argument");
	}
	if (ev->nit >= MAX_IT_DEPTH) {
		json_decref(lst.j);
		return type_error(ev, nd, "any()/all()/count() nested too deeply");
	}
	bool any_true = false, any_false = false, any_unknown = false;
	json_int_t n = 0;
	size_t i;
	json_t *el;
	json_array_foreach(lst.j, i, el)
	{
		ev->it[ev->nit++] = el;
		enum truth t = truth_of(ev, nd->kids[1], eval_node(ev, nd->kids[1]));
		ev->nit--;
		if (t == T_TRUE) {
			any_true = true;
			n++;
		} else if (t == T_FALSE) {
			any_false = true;
		} else {
			any_unknown = true;
		}
	}
	json_decref(lst.j);
	switch (nd->op) {
	case FN_ANY:
		return from_truth(ev, any_true ? T_TRUE : any_unknown ? T_UNKNOWN : T_FALSE);
	case FN_ALL:
		return from_truth(ev, any_false ? T_FALSE : any_unknown ? T_UNKNOWN : T_TRUE);
	default:
		if (any_unknown)
			return UNKNOWN;
		return own(json_integer(n), ev);
	}
}

static struct val eval_node(struct eval *ev, const struct node *nd)
{
	if (ev->oom)
		return UNKNOWN;
	switch (nd->kind) {
	case N_LIT:
		return borrow(nd->lit);
	case N_LIST: {
		json_t *a = json_array();
		if (a == NULL)
			return own(NULL, ev);
		for (size_t i = 0; i < nd->nkids; i++) {
			struct val v = eval_node(ev, nd->kids[i]);
			if (v.j == NULL) {
				json_decref(a);
				return UNKNOWN;
			}
			if (json_array_append_new(a, v.j)) {
				json_decref(a);
				return own(NULL, ev);
			}
		}
		return (struct val){a};
	}
	case N_PATH:
		return eval_path(ev, nd);
	case N_IT:
		if (ev->nit == 0)
			return type_error(ev, nd, "'it' outside any(), all() or count()");
		return descend(ev, nd, ev->it[ev->nit - 1], 0);
	case N_PARAM: {
		const json_t *v = ev->env->params ? json_object_get(ev->env->params, nd->name) : NULL;
		if (v == NULL)
			return type_error(ev, nd, "unknown policy parameter");
		return borrow(v);
	}
	case N_NOT: {
		enum truth t = truth_of(ev, nd->kids[0], eval_node(ev, nd->kids[0]));
		return from_truth(ev, t == T_UNKNOWN ? T_UNKNOWN : t == T_TRUE ? T_FALSE : T_TRUE);
	}
	case N_AND:
	case N_OR: {
		/* Every operand is evaluated, so the evidence lists every fact the check reads. */
		bool and = nd->kind == N_AND, unknown = false, decided = false;
		for (size_t i = 0; i < nd->nkids; i++) {
			enum truth t = truth_of(ev, nd->kids[i], eval_node(ev, nd->kids[i]));
			if (t == T_UNKNOWN)
				unknown = true;
			else if ((t == T_TRUE) != and)
				decided = true;
		}
		if (decided)
			return from_truth(ev, and ? T_FALSE : T_TRUE);
		return from_truth(ev, unknown ? T_UNKNOWN : and ? T_TRUE : T_FALSE);
	}
	case N_CMP:
		return eval_cmp(ev, nd);
	case N_CALL:
		return eval_call(ev, nd);
	}
	return UNKNOWN;
}

int expr_eval(const struct expr *x, const struct expr_env *env, struct expr_result *res)
{
	memset(res, 0, sizeof(*res));
	struct eval ev = {.env = env, .res = res};
	res->truth = truth_of(&ev, x->root, eval_node(&ev, x->root));
	if (ev.oom) {
		expr_result_free(res);
		return MAMORI_ENOMEM;
	}
	return 0;
}

void expr_result_free(struct expr_result *res)
{
	free(res->facts_read);
	free(res->error);
	memset(res, 0, sizeof(*res));
}
