#include "signatures/packet/address_port.h"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "common/event.h"

namespace soc::packet {
namespace {

constexpr int kMaxDepth = 16;             // nesting of lists, negations and variables
constexpr std::size_t kMaxNodes = 10000;  // after variable expansion

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Shared walk over the header syntax; Leaf parses one value into a node.
template <typename NodeT, typename Leaf>
class Walker {
 public:
  Walker(std::vector<NodeT>& nodes, const Variables& vars, Leaf leaf)
      : nodes_(nodes), vars_(vars), leaf_(leaf) {}

  Result<std::uint32_t> parse_all(std::string_view text, int depth) {
    std::size_t pos = 0;
    auto r = parse(text, pos, depth);
    if (!r) return r;
    skip(text, pos);
    if (pos != text.size()) {
      return fail(ErrorCode::kInvalidArgument, "unexpected '" + std::string(text.substr(pos)) +
                                                   "' in '" + std::string(text) + "'");
    }
    return r;
  }

 private:
  static void skip(std::string_view t, std::size_t& pos) {
    while (pos < t.size() && is_space(t[pos])) ++pos;
  }
  Result<std::uint32_t> add(NodeT node) {
    if (nodes_.size() >= kMaxNodes) {
      return fail(ErrorCode::kInvalidArgument, "address or port group too large");
    }
    nodes_.push_back(std::move(node));
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }

  Result<std::uint32_t> parse(std::string_view t, std::size_t& pos, int depth) {
    if (depth > kMaxDepth) return fail(ErrorCode::kInvalidArgument, "nested too deeply");
    skip(t, pos);
    if (pos >= t.size()) return fail(ErrorCode::kInvalidArgument, "empty address or port");
    if (t[pos] == '!') {
      ++pos;
      auto inner = parse(t, pos, depth + 1);
      if (!inner) return inner;
      // Wrap so that a shared variable node is never flipped in place.
      NodeT wrap;
      wrap.kind = NodeT::kList;
      wrap.negated = true;
      wrap.children.push_back(*inner);
      return add(std::move(wrap));
    }
    if (t[pos] == '[') {
      ++pos;
      NodeT list;
      list.kind = NodeT::kList;
      while (true) {
        auto child = parse(t, pos, depth + 1);
        if (!child) return child;
        list.children.push_back(*child);
        skip(t, pos);
        if (pos < t.size() && t[pos] == ',') {
          ++pos;
          continue;
        }
        if (pos < t.size() && t[pos] == ']') {
          ++pos;
          break;
        }
        return fail(ErrorCode::kInvalidArgument, "unterminated list in '" + std::string(t) + "'");
      }
      return add(std::move(list));
    }
    std::size_t end = pos;
    while (end < t.size() && t[end] != ',' && t[end] != ']' && t[end] != '[' && !is_space(t[end])) {
      ++end;
    }
    const std::string_view word = t.substr(pos, end - pos);
    pos = end;
    if (word.empty())
      return fail(ErrorCode::kInvalidArgument, "empty value in '" + std::string(t) + "'");
    if (word[0] == '$') {
      const std::string* value = vars_.find(word.substr(1));
      if (value == nullptr) {
        return fail(ErrorCode::kInvalidArgument, "unknown variable " + std::string(word));
      }
      return parse_all(*value, depth + 1);
    }
    NodeT node;
    if (word == "any") {
      node.kind = NodeT::kAny;
    } else if (auto r = leaf_(word, node); !r) {
      return tl::unexpected(r.error());
    }
    return add(std::move(node));
  }

  std::vector<NodeT>& nodes_;
  const Variables& vars_;
  Leaf leaf_;
};

bool parse_uint(std::string_view s, unsigned max, unsigned& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && out <= max;
}

}  // namespace

// Parses `text` into nodes (nodes[0] is the root list); a lone un-negated `any` leaves just an
// `any` root. `leaf` fills the node of one address or port word.
template <typename Node, typename Leaf>
Result<void> parse_tree(std::vector<Node>& nodes, std::string_view text, const Variables& vars,
                        Leaf& leaf) {
  nodes.emplace_back();
  Walker<Node, Leaf> walker(nodes, vars, leaf);
  auto root = walker.parse_all(text, 0);
  if (!root) return tl::unexpected(root.error());
  nodes[0].kind = Node::kList;
  nodes[0].children = {*root};
  if (nodes[*root].kind == Node::kAny && !nodes[*root].negated) {
    nodes.resize(1);
    nodes[0] = Node{};
  }
  return ok();
}

class AddressParser {
 public:
  static Result<AddressSet> parse(std::string_view text, const Variables& vars) {
    AddressSet set;  // root placeholder
    auto leaf = [](std::string_view word, AddressSet::Node& node) -> Result<void> {
      std::string_view addr = word;
      unsigned prefix = 0;
      bool has_prefix = false;
      if (const auto slash = word.find('/'); slash != std::string_view::npos) {
        addr = word.substr(0, slash);
        has_prefix = true;
        if (!parse_uint(word.substr(slash + 1), 128, prefix)) {
          return fail(ErrorCode::kInvalidArgument, "bad address '" + std::string(word) + "'");
        }
      }
      auto ip = IpAddress::parse(addr);
      if (!ip || (ip->is_v4 && prefix > 32)) {
        return fail(ErrorCode::kInvalidArgument, "bad address '" + std::string(word) + "'");
      }
      node.kind = AddressSet::Node::kCidr;
      node.v4 = ip->is_v4;
      node.prefix = static_cast<std::uint8_t>(has_prefix ? prefix : (ip->is_v4 ? 32 : 128));
      node.net = ip->bytes;
      return ok();
    };
    if (auto tree = parse_tree(set.nodes_, text, vars, leaf); !tree) {
      return tl::unexpected(tree.error());
    }
    set.ranges_ = set.ranges_of(0);
    return set;
  }
};

class PortParser {
 public:
  static Result<PortSet> parse(std::string_view text, const Variables& vars) {
    PortSet set;
    auto leaf = [](std::string_view word, PortSet::Node& node) -> Result<void> {
      node.kind = PortSet::Node::kRange;
      unsigned lo = 0, hi = 65535;
      const auto colon = word.find(':');
      bool good;
      if (colon == std::string_view::npos) {
        good = parse_uint(word, 65535, lo);
        hi = lo;
      } else {
        const auto a = word.substr(0, colon), b = word.substr(colon + 1);
        good = (a.empty() || parse_uint(a, 65535, lo)) && (b.empty() || parse_uint(b, 65535, hi)) &&
               !(a.empty() && b.empty()) && lo <= hi;
      }
      if (!good) return fail(ErrorCode::kInvalidArgument, "bad port '" + std::string(word) + "'");
      node.lo = static_cast<std::uint16_t>(lo);
      node.hi = static_cast<std::uint16_t>(hi);
      return ok();
    };
    if (auto tree = parse_tree(set.nodes_, text, vars, leaf); !tree) {
      return tl::unexpected(tree.error());
    }
    set.ranges_ = set.ranges_of(0);
    return set;
  }
};

Result<AddressSet> AddressSet::parse(std::string_view text, const Variables& vars) {
  return AddressParser::parse(text, vars);
}

namespace {

// FNV-1a over the values that make a node, its children included.
class NodeHasher {
 public:
  template <typename T>
  void add(T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      hash_ = (hash_ ^ static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * i))) *
              0x100000001b3ULL;
    }
  }
  std::size_t value() const { return static_cast<std::size_t>(hash_); }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// The hash of a node tree: each node's kind, negation and children, and what `leaf` adds of
// its own values.
template <typename NodeT, typename Leaf>
std::size_t hash_nodes(const std::vector<NodeT>& nodes, Leaf leaf) {
  NodeHasher h;
  for (const NodeT& n : nodes) {
    h.add(static_cast<std::uint8_t>(n.kind));
    h.add(n.negated);
    leaf(h, n);
    h.add(n.children.size());
    for (std::uint32_t c : n.children) h.add(c);
  }
  return h.value();
}

// Inclusive ranges [first, second] of unsigned keys (ports, IPv4 or IPv6 addresses as numbers).
template <typename T>
using KeyRanges = std::vector<std::pair<T, T>>;

// Sorts and merges overlapping or adjacent ranges.
template <typename T>
KeyRanges<T> normalized(KeyRanges<T> r) {
  std::sort(r.begin(), r.end());
  KeyRanges<T> out;
  for (const auto& [lo, hi] : r) {
    // Adjacent: lo follows the last range's end (lo > 0 there, as that end is below lo).
    if (!out.empty() && (lo <= out.back().second || static_cast<T>(lo - 1) == out.back().second)) {
      out.back().second = std::max(out.back().second, hi);
    } else {
      out.emplace_back(lo, hi);
    }
  }
  return out;
}

// The keys of `a` (normalized) that are not in `b` (normalized).
template <typename T>
KeyRanges<T> minus(const KeyRanges<T>& a, const KeyRanges<T>& b) {
  KeyRanges<T> out;
  std::size_t j = 0;
  for (const auto& [lo, hi] : a) {
    T from = lo;
    bool rest = true;  // [from, hi] is still to be placed
    while (j < b.size() && b[j].second < from) ++j;
    for (std::size_t k = j; rest && k < b.size() && b[k].first <= hi; ++k) {
      if (b[k].first > from) out.emplace_back(from, static_cast<T>(b[k].first - 1));
      if (b[k].second >= hi) {
        rest = false;
      } else {
        from = static_cast<T>(b[k].second + 1);
      }
    }
    if (rest) out.emplace_back(from, hi);
  }
  return out;
}

// Whether `key` lies in one of `r` (normalized): the last range starting at or before it.
template <typename T>
bool in_ranges(const KeyRanges<T>& r, T key) {
  auto it = std::upper_bound(r.begin(), r.end(), key,
                             [](T k, const std::pair<T, T>& range) { return k < range.first; });
  return it != r.begin() && key <= std::prev(it)->second;
}

// An address (network order) as a number.
std::uint32_t v4_key(const std::array<std::uint8_t, 16>& addr) {
  return (static_cast<std::uint32_t>(addr[0]) << 24) | (static_cast<std::uint32_t>(addr[1]) << 16) |
         (static_cast<std::uint32_t>(addr[2]) << 8) | addr[3];
}
Uint128 v6_key(const std::array<std::uint8_t, 16>& addr) {
  Uint128 key = 0;
  for (std::uint8_t b : addr) key = (key << 8) | b;
  return key;
}

}  // namespace

std::size_t AddressSet::hash() const {
  return hash_nodes(nodes_, [](NodeHasher& h, const Node& n) {
    h.add(n.v4);
    h.add(n.prefix);
    for (std::uint8_t b : n.net) h.add(b);
  });
}

bool AddressSet::matches(const std::array<std::uint8_t, 16>& addr, bool v4) const {
  return v4 ? in_ranges(ranges_.v4, v4_key(addr)) : in_ranges(ranges_.v6, v6_key(addr));
}

AddressSet::Ranges AddressSet::ranges_of(std::uint32_t index) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case Node::kAny:
      return Ranges::every();
    case Node::kCidr: {
      // The network's first and last address: its prefix bits, then all zeros or all ones.
      if (n.v4) {
        const std::uint32_t host = n.prefix >= 32 ? 0 : 0xFFFFFFFFu >> n.prefix;
        const std::uint32_t first = v4_key(n.net) & ~host;
        return {{{first, first | host}}, {}};
      }
      const Uint128 host = n.prefix >= 128 ? 0 : ~Uint128{0} >> n.prefix;
      const Uint128 first = v6_key(n.net) & ~host;
      return {{}, {{first, first | host}}};
    }
    case Node::kList: {
      Ranges plain, negated;
      bool any_plain = false;
      auto append = [](Ranges& to, const Ranges& from) {
        to.v4.insert(to.v4.end(), from.v4.begin(), from.v4.end());
        to.v6.insert(to.v6.end(), from.v6.begin(), from.v6.end());
      };
      for (std::uint32_t c : n.children) {
        const Node& child = nodes_[c];
        if (child.negated) {
          // The child's own value, without its negation: the list subtracts it.
          for (std::uint32_t g : child.children) append(negated, ranges_of(g));
        } else {
          any_plain = true;
          append(plain, ranges_of(c));
        }
      }
      if (!any_plain) plain = Ranges::every();
      return {minus(normalized(std::move(plain.v4)), normalized(std::move(negated.v4))),
              minus(normalized(std::move(plain.v6)), normalized(std::move(negated.v6)))};
    }
  }
  return {};
}

Result<PortSet> PortSet::parse(std::string_view text, const Variables& vars) {
  return PortParser::parse(text, vars);
}

std::size_t PortSet::hash() const {
  return hash_nodes(nodes_, [](NodeHasher& h, const Node& n) {
    h.add(n.lo);
    h.add(n.hi);
  });
}

bool PortSet::matches(std::uint16_t port) const { return in_ranges(ranges_, port); }

bool PortSet::enumerate(std::vector<std::uint16_t>& out, std::size_t max) const {
  if (nodes_.empty()) return false;
  std::vector<std::uint32_t> pending{0};
  while (!pending.empty()) {
    const Node& n = nodes_[pending.back()];
    pending.pop_back();
    if (n.negated || n.kind == Node::kAny) return false;
    if (n.kind == Node::kList) {
      pending.insert(pending.end(), n.children.begin(), n.children.end());
      continue;
    }
    if (static_cast<std::size_t>(n.hi - n.lo) + 1 + out.size() > max) return false;
    for (std::uint32_t port = n.lo; port <= n.hi; ++port) {
      out.push_back(static_cast<std::uint16_t>(port));
    }
  }
  return true;
}

PortSet::Ranges PortSet::ranges_of(std::uint32_t index) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case Node::kAny:
      return {{0, 65535}};
    case Node::kRange:
      return {{n.lo, n.hi}};
    case Node::kList: {
      Ranges plain, negated;
      bool any_plain = false;
      for (std::uint32_t c : n.children) {
        const Node& child = nodes_[c];
        if (child.negated) {
          // The child's own value, without its negation: the list subtracts it.
          for (std::uint32_t g : child.children) {
            const Ranges inner = ranges_of(g);
            negated.insert(negated.end(), inner.begin(), inner.end());
          }
        } else {
          any_plain = true;
          const Ranges inner = ranges_of(c);
          plain.insert(plain.end(), inner.begin(), inner.end());
        }
      }
      if (!any_plain) plain = {{0, 65535}};
      return minus(normalized(std::move(plain)), normalized(std::move(negated)));
    }
  }
  return {};
}

}  // namespace soc::packet
