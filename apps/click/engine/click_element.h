/* Element authoring interface.
 *
 * An element class describes its ports and processing like Click does:
 *   ports       "IN/OUT", each side "N", "N-M", "N-" or "-" (any number);
 *               the number actually used comes from the connections, unless
 *               configure() fixes it with click_element_set_nports().
 *   processing  "IN/OUT", one code per port, the last code repeating:
 *               'h' push, 'l' pull, 'a' agnostic. Agnostic ports take the
 *               mode of what they are connected to (all agnostic ports of one
 *               element share one mode); unconstrained ones become push.
 *
 * An element instance is a struct whose first member is click_element; the
 * class's size field says how big it is (zero-initialised by the router).
 *
 * Packet flow: click_output_push(e, port, p) hands p to the downstream push
 * function; click_input_pull(e, port) asks the upstream element for a packet.
 * Ownership always moves with the packet: whoever holds it must pass it on or
 * kill it. Classes with a simple_action get push and pull for free.
 */
#ifndef CLICK_ELEMENT_H
#define CLICK_ELEMENT_H

#include "click.h"
#include "click_errh.h"
#include "click_packet.h"

typedef struct click_element_class click_element_class;
typedef struct click_args click_args;

typedef void (*click_push_fn)(click_element *e, int port, click_packet *p);
typedef click_packet *(*click_pull_fn)(click_element *e, int port);

typedef struct click_port {
    click_element *peer;  /* element at the other end (NULL if not resolved) */
    int peer_port;
    click_push_fn push;   /* output ports in push mode: the peer's push */
    click_pull_fn pull;   /* input ports in pull mode: the peer's pull */
} click_port;

struct click_element {
    const click_element_class *cls;
    click_router *router;
    const click_host *host;
    char *name;
    char *config;          /* configuration string after $variable expansion */
    int line, col;         /* where the element was declared */
    int index;
    int ninputs, noutputs;
    click_port *in, *out;
    uint8_t *in_pull, *out_pull; /* resolved processing: 1 = pull, 0 = push */
    int want_nin, want_nout;     /* fixed by configure (-1: from connections) */
};

typedef struct click_handler {
    const char *name;
    /* Write a NUL-terminated value into buf. */
    void (*read)(click_element *e, char *buf, size_t len);
    /* Returns 0 or a negative value after reporting through errh. */
    int (*write)(click_element *e, const char *value, click_errh *errh);
} click_handler;

/* Task results. */
#define CLICK_TASK_DONE (-1) /* a source that will never produce again */

struct click_element_class {
    const char *name;
    const char *ports;
    const char *processing;
    size_t size;
    int (*configure)(click_element *e, click_args *args, click_errh *errh);
    int (*initialize)(click_element *e, click_errh *errh);
    void (*cleanup)(click_element *e);
    void (*push)(click_element *e, int port, click_packet *p);
    click_packet *(*pull)(click_element *e, int port);
    /* Returns the packet to emit on output 0, or NULL if it was consumed. */
    click_packet *(*simple_action)(click_element *e, click_packet *p);
    /* Scheduled work. Returns work done (>0), 0 if idle, CLICK_TASK_DONE if a
     * source is exhausted for good. is_source marks tasks the driver waits
     * for before it finishes. */
    int (*run_task)(click_element *e);
    bool is_source;
    const click_handler *handlers; /* terminated by a {NULL} entry */
    /* Optional: read handlers not in the table (e.g. Script's exported
     * variables). Returns 0 and fills buf, or -1 if there is no such one. */
    int (*read_other)(click_element *e, const char *name, char *buf, size_t len);
    /* Optional: read handlers that take a parameter, read as
     * "elem.handler PARAM" (e.g. a routing table's "lookup ADDR"). Returns 0
     * and fills buf, -1 with a message in buf, or -2 if there is no such
     * handler. */
    int (*read_param)(click_element *e, const char *name, const char *param, char *buf,
                      size_t len);
    /* Optional: names this element defines for other elements' arguments
     * (AddressInfo addresses, IPRewriterPatterns patterns). KIND is what is
     * asked for: "ip", "prefix" (written "a.b.c.d/len"), "ether" or
     * "pattern". Returns 0 and writes the value as text into buf, or -1. */
    int (*lookup_name)(click_element *e, const char *kind, const char *name, char *buf,
                       size_t len);
};

static inline void click_output_push(click_element *e, int port, click_packet *p) {
    click_port *o = &e->out[port];
    o->push(o->peer, o->peer_port, p);
}
/* Push on port if it exists, otherwise kill the packet. */
static inline void click_checked_push(click_element *e, int port, click_packet *p) {
    if (port < e->noutputs) click_output_push(e, port, p);
    else click_packet_kill(p);
}
static inline click_packet *click_input_pull(click_element *e, int port) {
    click_port *i = &e->in[port];
    return i->pull(i->peer, i->peer_port);
}
static inline bool click_output_is_pull(const click_element *e, int port) {
    return e->out_pull[port] != 0;
}
static inline bool click_input_is_pull(const click_element *e, int port) {
    return e->in_pull[port] != 0;
}

/* For configure(): fix the number of ports this element must have
 * (-1 leaves a side as decided by the connections). */
void click_element_set_nports(click_element *e, int nin, int nout);

/* Ask every element of e's router that defines names (lookup_name) for
 * NAME of KIND, in configuration order. Returns 0 with the value in buf, or
 * -1 if no element knows it. */
int click_element_lookup_name(click_element *e, const char *kind, const char *name, char *buf,
                              size_t len);

/* Environment for elements. */
click_pool *click_element_pool(click_element *e);
uint64_t click_element_now(click_element *e);
void click_element_log(click_element *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A request to stop: with a DriverManager present it is counted for the
 * manager (its wait_stop/pause instructions); otherwise the driver stops. */
void click_element_stop_router(click_element *e);
/* Stop the driver unconditionally (DriverManager, Script stop). */
void click_element_stop_driver(click_element *e);
/* Print text (a newline is added if missing) to the router's output. */
void click_element_output(click_element *e, const char *text);

/* ---- configuration arguments (click_args.c) ----
 * The configuration string is split at top-level commas. An argument whose
 * first word is an upper-case KEYWORD requested by the element is a keyword
 * argument; the rest are positional, in order. configure() must read its
 * keywords first, then positionals, then call click_args_done(), which
 * reports anything left over. */
struct click_args {
    int n;
    struct click_arg {
        char *text;   /* whole argument, trimmed */
        bool used;
    } *v;
    click_errh *errh;
    int npos_read;
};

int click_args_split(click_args *a, const char *config, click_errh *errh);
void click_args_free(click_args *a);
int click_args_count(const click_args *a); /* total arguments */
/* Value of keyword KW (trimmed text after it), or NULL if absent. */
const char *click_args_kw(click_args *a, const char *kw);
/* Next unclaimed positional argument, or NULL. */
const char *click_args_next(click_args *a);
/* Report unused arguments. Returns 0 or -1. */
int click_args_done(click_args *a);

/* Value parsers: return 0 on success, -1 if the text is not of that type. */
int click_parse_int(const char *s, long long *v);
int click_parse_uint(const char *s, unsigned long long *v); /* dec or 0x */
int click_parse_bool(const char *s, bool *v);
int click_parse_double(const char *s, double *v);
/* While a router configures or initializes its elements, runs a handler
 * write or a read with a parameter, names its elements define (AddressInfo)
 * are accepted too. */
int click_parse_ip(const char *s, uint32_t *ip);                 /* host order */
/* a/len, a/mask, "a mask"; the address may be cut short before "/len"
 * ("18.26/16" is 18.26.0.0/16) */
int click_parse_ip_prefix(const char *s, uint32_t *ip, uint32_t *mask);
int click_parse_ether(const char *s, uint8_t mac[6]);
/* Copy the string value (unquoting "..." if quoted) into out. */
int click_parse_string(const char *s, char *out, size_t outlen);
/* Decode packet data written as a configuration string: "..." (C escapes,
 * \<hex bytes>) or bare text, which may contain \<hex bytes> too. Returns the
 * byte count, or -1 if it does not fit in cap or is malformed. */
long click_parse_data(const char *s, uint8_t *out, size_t cap);
/* Parse a time like "0.1s", "100ms", "5", "2min" into nanoseconds. */
int click_parse_time_ns(const char *s, uint64_t *ns);
/* Split s into words at whitespace; returns the count (max words). Each word
 * is copied into words[i] (wordlen bytes each). */
int click_split_words(const char *s, char (*words)[64], int max);

/* Class registry (click_registry.c). */
const click_element_class *click_class_find(const char *name);

#endif
