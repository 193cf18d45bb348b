#include "pipeline/batch/shard.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "filters/core/error.h"

extern char** environ;  // NOLINT: POSIX

namespace shortpack {
namespace {

// A whole decimal number without sign, spaces or leading '+'.
bool parse_int(const std::string& s, long long& value) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

const std::string* find(const std::map<std::string, std::string>& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() || it->second.empty() ? nullptr : &it->second;
}

ShardSpec checked(long long index, long long count, const std::string& what) {
  if (count < 1 || count > kMaxShardCount) {
    throw Error(ErrorKind::kInput, "bad shard " + what + ": the shard count must be between 1 and " +
                                       std::to_string(kMaxShardCount) + " (use I/N, for example 0/4)");
  }
  if (index < 0 || index >= count) {
    throw Error(ErrorKind::kInput, "bad shard " + what + ": the index must be between 0 and " +
                                       std::to_string(count - 1) + " for " + std::to_string(count) +
                                       " shards (indices count from 0)");
  }
  return ShardSpec{static_cast<int>(index), static_cast<int>(count)};
}

ShardSpec from_environment(const std::map<std::string, std::string>& env) {
  auto number = [&](const std::string& key, long long& value) {
    const std::string* v = find(env, key);
    if (v == nullptr) return false;
    if (!parse_int(*v, value)) {
      throw Error(ErrorKind::kInput, "--shard auto: " + key + "='" + *v + "' is not a whole number");
    }
    return true;
  };
  long long id = 0;
  long long count = 0;
  if (number("SLURM_ARRAY_TASK_ID", id)) {
    if (!number("SLURM_ARRAY_TASK_COUNT", count)) {
      throw Error(ErrorKind::kInput,
                  "--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not "
                  "(submit with sbatch --array)");
    }
    long long min = 0;
    long long step = 1;
    number("SLURM_ARRAY_TASK_MIN", min);
    number("SLURM_ARRAY_TASK_STEP", step);
    if (step < 1 || id < min || (id - min) % step != 0) {
      throw Error(ErrorKind::kInput, "--shard auto: SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
                                         " does not fit the array (min " + std::to_string(min) + ", step " +
                                         std::to_string(step) + ")");
    }
    return checked((id - min) / step, count, "from Slurm (SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT)");
  }
  if (number("JOB_COMPLETION_INDEX", id)) {
    if (!number("SHORTPACK_SHARD_COUNT", count)) {
      throw Error(ErrorKind::kInput,
                  "--shard auto: JOB_COMPLETION_INDEX is set but SHORTPACK_SHARD_COUNT is not "
                  "(set it to the Job's completions)");
    }
    return checked(id, count, "from Kubernetes (JOB_COMPLETION_INDEX/SHORTPACK_SHARD_COUNT)");
  }
  throw Error(
      ErrorKind::kInput,
      "--shard auto found no shard in the environment (it reads SLURM_ARRAY_TASK_ID and "
      "SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX and SHORTPACK_SHARD_COUNT); give --shard I/N instead");
}

double unit_cost(const RenderUnit& u) { return std::max(1.0, u.cost); }

// The units [begin, end) of one clip in atoms: each unit with the units whose file is its own
// (same_file_as names its output path), in the order of each atom's first unit.
struct Atom {
  std::vector<size_t> units;  // indices into the plan's units
  double cost = 0.0;
};
std::vector<Atom> file_atoms(const std::vector<RenderUnit>& units, size_t begin, size_t end) {
  std::map<std::filesystem::path, size_t> atom_of_path;  // an output path -> its atom
  std::vector<Atom> atoms;
  auto atom_for = [&](const std::filesystem::path& path) {
    auto [it, fresh] = atom_of_path.emplace(path, atoms.size());
    if (fresh) atoms.emplace_back();
    return it->second;
  };
  for (size_t i = begin; i < end; ++i) {
    const RenderUnit& u = units[i];
    const std::filesystem::path& file = u.same_file_as.empty() ? u.output_path : u.same_file_as;
    size_t a = atoms.size();
    if (file.empty()) {
      atoms.emplace_back();  // a unit without a path (not from a plan) is alone
    } else {
      a = atom_for(file);
      if (!u.output_path.empty()) atom_of_path.emplace(u.output_path, a);
    }
    atoms[a].units.push_back(i);
    atoms[a].cost += unit_cost(u);
  }
  for (Atom& a : atoms) std::sort(a.units.begin(), a.units.end());
  return atoms;
}

}  // namespace

std::string ShardSpec::text() const { return std::to_string(index) + "/" + std::to_string(count); }

std::string ShardSpec::file_tag() const {
  return "part-" + std::to_string(index) + "-of-" + std::to_string(count);
}

ShardSpec parse_shard_spec(const std::string& text, const std::map<std::string, std::string>& env) {
  if (text == "auto") return from_environment(env);
  const size_t slash = text.find('/');
  long long index = 0;
  long long count = 0;
  if (slash == std::string::npos || !parse_int(text.substr(0, slash), index) ||
      !parse_int(text.substr(slash + 1), count)) {
    throw Error(ErrorKind::kInput,
                "bad shard '" + text + "': expected I/N with whole numbers (for example 0/4) or auto");
  }
  return checked(index, count, "'" + text + "'");
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

std::vector<int> assign_shards(const std::vector<RenderUnit>& units, int count) {
  std::vector<int> shard_of(units.size(), 0);
  if (count <= 1 || units.empty()) return shard_of;
  double total = 0.0;
  for (const auto& u : units) total += unit_cost(u);
  const double share = total / count;

  // Pieces: runs of neighbouring units of one clip (the plan lists a clip's units together,
  // platform by platform), each at most about one share. Units that are one file (same_file_as,
  // with one_file_per_shape: a shape's platforms) are one atom: a piece takes all of them or none,
  // so no two shards encode the same file.
  struct Piece {
    std::vector<size_t> units;  // indices into `units`, plan order
    double cost = 0.0;
  };
  std::vector<Piece> pieces;
  size_t begin = 0;
  while (begin < units.size()) {
    size_t end = begin;
    double clip_cost = 0.0;
    while (end < units.size() && units[end].clip_id == units[begin].clip_id)
      clip_cost += unit_cost(units[end++]);
    const auto parts = static_cast<size_t>(std::max(1.0, std::ceil(clip_cost / share - 1e-9)));
    const double part_cost = clip_cost / static_cast<double>(parts);
    Piece piece;
    size_t closed = 0;
    for (const Atom& atom : file_atoms(units, begin, end)) {
      // Close a piece when adding this atom would overshoot the part's cost by more than half
      // the atom (keeps pieces near part_cost), never making more pieces than `parts`.
      if (!piece.units.empty() && closed + 1 < parts && piece.cost + atom.cost / 2 > part_cost) {
        pieces.push_back(std::move(piece));
        piece = Piece{};
        ++closed;
      }
      piece.units.insert(piece.units.end(), atom.units.begin(), atom.units.end());
      piece.cost += atom.cost;
    }
    pieces.push_back(std::move(piece));
    begin = end;
  }

  std::vector<size_t> order(pieces.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (pieces[a].cost != pieces[b].cost) return pieces[a].cost > pieces[b].cost;
    return pieces[a].units.front() < pieces[b].units.front();
  });
  std::vector<double> load(static_cast<size_t>(count), 0.0);
  for (size_t p : order) {
    const auto lightest = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[lightest] += pieces[p].cost;
    for (size_t u : pieces[p].units) shard_of[u] = static_cast<int>(lightest);
  }
  return shard_of;
}

std::vector<RenderUnit> select_shard(const std::vector<RenderUnit>& units, const ShardSpec& spec) {
  if (spec.whole()) return units;
  const std::vector<int> shard_of = assign_shards(units, spec.count);
  std::vector<RenderUnit> mine;
  for (size_t i = 0; i < units.size(); ++i) {
    if (shard_of[i] == spec.index) mine.push_back(units[i]);
  }
  return mine;
}

}  // namespace shortpack
