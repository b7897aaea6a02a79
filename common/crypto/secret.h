// Secrets: random bearer tokens and worker keys, and comparing secrets without leaking, through
// timing, how much of a guess was right (an adapter over OpenSSL's RAND_bytes and CRYPTO_memcmp).
// Thread-safety: thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace derm {

// `prefix` followed by 256 random bits from the operating system's generator, base64url without
// padding (43 characters): e.g. NewSecret("derm_") for a user token. Aborts when the generator
// fails: no secret is better than a guessable one.
std::string NewSecret(std::string_view prefix);

// a == b in time that depends only on the lengths.
bool SecretsEqual(std::string_view a, std::string_view b);

}  // namespace derm
