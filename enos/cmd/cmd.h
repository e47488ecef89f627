/* cmd — the rows of the commands, one file each in enos/cmd/ (git's
 * builtin/): NAME.c defines `cmd_NAME`, its struct enos_cmd (enos/cli.h),
 * which main.c lists.
 */
#ifndef ENOS_CMD_CMD_H
#define ENOS_CMD_CMD_H

#include "enos/cli.h"

extern const struct enos_cmd cmd_check;
extern const struct enos_cmd cmd_up;
extern const struct enos_cmd cmd_status;
extern const struct enos_cmd cmd_exec;
extern const struct enos_cmd cmd_down;
extern const struct enos_cmd cmd_run;
extern const struct enos_cmd cmd_tc;
extern const struct enos_cmd cmd_fault;
extern const struct enos_cmd cmd_deploy;
extern const struct enos_cmd cmd_services;
extern const struct enos_cmd cmd_service;
extern const struct enos_cmd cmd_probe_ready;
extern const struct enos_cmd cmd_wand_engine;
extern const struct enos_cmd cmd_trace_play;
extern const struct enos_cmd cmd_report;
extern const struct enos_cmd cmd_results;
extern const struct enos_cmd cmd_sweep;
extern const struct enos_cmd cmd_ci;
extern const struct enos_cmd cmd_traffic;
extern const struct enos_cmd cmd_bench;
extern const struct enos_cmd cmd_host;
extern const struct enos_cmd cmd_hosts;

#endif
