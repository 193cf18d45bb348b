// Sharding a render plan over several processes or machines (Slurm array tasks, Kubernetes
// Indexed Job pods, or plain `--shard I/N` runs): every shard computes the same plan and takes
// a deterministic, cost-balanced share of it, so no coordinator is needed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pipeline/render/plan.h"

namespace shortpack {

struct ShardSpec {
  int index = 0;  // 0-based, < count
  int count = 1;  // 1: the whole plan
  [[nodiscard]] bool whole() const { return count == 1; }
  // "I/N", as given on the command line.
  [[nodiscard]] std::string text() const;
  // "part-I-of-N": the suffix of a shard's report and ledger files.
  [[nodiscard]] std::string file_tag() const;
};

// The largest shard count accepted (a typo such as 0/40000 is refused rather than honoured).
inline constexpr int kMaxShardCount = 10000;

// Parses "I/N" (0 <= I < N <= kMaxShardCount, decimal integers) or "auto". "auto" reads `env`:
//   Slurm array:        SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (index made 0-based with
//                       SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_STEP when they are set, so
//                       --array=1-4 and --array=0-6:2 work too);
//   Kubernetes Indexed Job: JOB_COMPLETION_INDEX, with the count in SHORTPACK_SHARD_COUNT (set it
//                       to the Job's `completions`).
// Slurm wins when both are present. Throws Error(kInput) with one sentence on a bad spec or an
// environment that names no shard.
ShardSpec parse_shard_spec(const std::string& text, const std::map<std::string, std::string>& env);
// The process environment as a map (for parse_shard_spec).
std::map<std::string, std::string> process_environment();

// The units of `plan` that shard `spec` renders, in plan order. Shards 0..N-1 partition the plan.
//
// Balance: units are grouped by clip (a clip's units share one decode and one render graph), a
// group costing more than the ideal share (total / N) is cut into ceil(cost / share) pieces of
// neighbouring units (same platform first, so pieces keep a geometry branch whole), and the
// pieces go to shards by LPT: most expensive first (ties: first unit in plan order), each to the
// least-loaded shard (ties: lowest index). Keeping a clip whole saves decoding it again on
// another machine; cutting only the groups larger than a share bounds the imbalance by about one
// piece. A unit's cost is at least 1, so units of unreadable clips (cost 0) spread out too.
// Units that are one file (a unit and those whose same_file_as names it: with
// one_file_per_shape, a shape's platforms) always go to the same shard, so that no two shards
// encode the same file.
std::vector<RenderUnit> select_shard(const std::vector<RenderUnit>& units, const ShardSpec& spec);

// Shard index of every unit (same order as `units`): the assignment select_shard uses.
std::vector<int> assign_shards(const std::vector<RenderUnit>& units, int count);

}  // namespace shortpack
