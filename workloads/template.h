/* template — fill a stack's templates ({{addr}}, {{etcd.addr}},
 * {{etcd.near.addr}}, {{near(rabbitmq-cell, rabbitmq).addr}},
 * {{join(etcd, ',', '{{instance}}=http://{{addr}}:2380')}}) for one
 * service instance of a placement, or for the client node of a workload
 * the stack declares.
 *
 * Pure string work for supervise.c and stackwl.c; workloads/README.md
 * lists the variables.
 */
#ifndef WORKLOADS_TEMPLATE_H
#define WORKLOADS_TEMPLATE_H

#include <stddef.h>

#include "emulator/world.h"
#include "enos/topo.h"
#include "workloads/place.h"
#include "workloads/stack.h"

/* What templates of one deployment are filled from; all borrowed. */
struct template_env {
	const struct stack *stack;
	const struct placement *pl;
	const struct world *w;
	const char *experiment;
	const char *log_dir;    /* {{log_dir}} */
	const char *svc_dir;    /* SVCROOT/EXP: instance dirs go below */
	const struct topology *topo;    /* parent chain for near(); may be NULL */
	const char *stack_dir;  /* {{stack_dir}}; NULL: not available */
	const char *strategy;   /* for messages; may be NULL */
};

/* Render TEXT for instance INST of E->pl. Returns 0 and *OUT (allocated,
 * caller frees), or -EINVAL / -ENOMEM with *ERR an allocated message
 * ("unknown template variable 'x'", ...; caller frees). */
int template_render(const struct template_env *e, size_t inst,
		    const char *text, char **out, char **err);

/* A variable of a workload's templates: {{NAME}} is VALUE (borrowed). */
struct template_var {
	const char *name;
	const char *value;
};

/* Render TEXT for client node NODE of E->w (a workload a stack declares):
 * {{addr}}, {{node}}, {{site}}, {{role}} are the node's, {{SERVICE.near.F}}
 * and {{near(...).F}} the instance nearest to the node (place_near_node),
 * {{experiment}} and {{stack_dir}} as for instances, and VARS[0..N_VARS)
 * (its options, {{out_dir}}) come first; an instance's own variables
 * ({{instance}}, {{conf_dir}}, ...) are errors. E->log_dir and E->svc_dir
 * are not used. Returns as template_render(). */
int template_render_node(const struct template_env *e, size_t node,
			 const struct template_var *vars, size_t n_vars,
			 const char *text, char **out, char **err);

/* The directories of instance INST: SVC_DIR/INSTANCE, .../conf, .../data
 * into OUT (LEN bytes). 0 or -ENAMETOOLONG. */
int template_dir(const struct template_env *e, size_t inst, const char *sub,
		 char *out, size_t len);

#endif
