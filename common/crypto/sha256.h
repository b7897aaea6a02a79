// SHA-256 over byte strings, hex-encoded (an adapter over OpenSSL's EVP interface).
// Thread-safety: Sha256 objects are single-threaded; the free function is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace derm {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view bytes);
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string HexDigest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Sha256Hex(std::string_view bytes);

}  // namespace derm
