#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/base/mapped_file.h"
#include "src/base/sha256.h"
#include "src/base/status.h"
#include "src/base/thread_pool.h"

namespace lithium {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::Hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::Hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(Sha256::Hex(m.data(), m.size()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Incremental updates across block boundaries equal one update.
  std::string big(1000, 'x');
  Sha256 h;
  for (size_t i = 0; i < big.size(); i += 7) h.Update(big.data() + i, std::min<size_t>(7, big.size() - i));
  EXPECT_EQ(h.FinishHex(), Sha256::Hex(big.data(), big.size()));
}

// The SHA-NI path (x86 CPUs with the SHA extensions) and the portable code
// give the same digest for every length and every way of splitting the input.
TEST(Sha256, HardwarePathEqualsPortable) {
  const bool had = Sha256::HardwareEnabled();
  if (!Sha256::SetHardwareForTesting(true)) {
    GTEST_SKIP() << "this CPU (or target) has no SHA extensions";
  }
  std::string data(70000, '\0');
  uint32_t x = 12345;
  for (char& c : data) {
    x = x * 1664525u + 1013904223u;
    c = char(x >> 24);
  }
  auto digest = [&](bool hw, size_t len, size_t step) {
    Sha256::SetHardwareForTesting(hw);
    Sha256 h;
    for (size_t i = 0; i < len; i += step) h.Update(data.data() + i, std::min(step, len - i));
    return h.FinishHex();
  };
  for (size_t len : {size_t(0), size_t(1), size_t(55), size_t(56), size_t(63), size_t(64),
                     size_t(65), size_t(127), size_t(128), size_t(200), size_t(1000), size_t(4097),
                     size_t(70000)}) {
    for (size_t step : {size_t(1), size_t(13), size_t(64), size_t(1000), size_t(70000)}) {
      if (len > 5000 && step == 1) continue;
      EXPECT_EQ(digest(true, len, step), digest(false, len, step)) << len << " " << step;
    }
  }
  Sha256::SetHardwareForTesting(true);
  EXPECT_EQ(Sha256::Hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256::SetHardwareForTesting(had);
}

TEST(Status, ResultCarriesValueOrError) {
  Result<int> ok = 5;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(), 5);
  Result<int> bad = Status::Invalid("broken");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(bad.status().WithContext("file.gguf").message(), "file.gguf: broken");
}

TEST(MappedFile, OpensAndReportsMissing) {
  std::string path = ::testing::TempDir() + "/mapped_file_test.bin";
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("hello", f);
  std::fclose(f);
  auto m = MappedFile::Open(path);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ((*m)->size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*m)->data()), 5), "hello");
  auto missing = MappedFile::Open(path + ".nope");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(".nope"), std::string::npos);
}

TEST(ThreadPool, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (size_t n : {0, 1, 5, 64, 1001}) {
      std::vector<std::atomic<int>> hits(n);
      std::atomic<int> misaligned{0};
      pool.ParallelFor(n, 4, [&](size_t b, size_t e) {
        if (b % 4 != 0 || (e % 4 != 0 && e != n) || b >= e) misaligned++;
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << threads << " " << n << " " << i;
      EXPECT_EQ(misaligned.load(), 0) << "ranges must be whole grains: " << threads << " " << n;
    }
  }
}

}  // namespace
}  // namespace lithium
