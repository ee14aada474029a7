// Writing the per-trial tables (run --trials) into a results file on disk as
// the run goes; the summary is added at the end and the file renamed into
// place, as write_results does for a file built in memory.
#include "sepsim/output/trials_file.hpp"

#include "hdf5_io.hpp"
#include "hdf5_trials.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace sepsim {

using namespace hdf5;

namespace {

// One design's table: its datasets (the design's columns, then each arm's).
struct Table {
  std::vector<H5::DataSet> columns;
  std::vector<std::vector<H5::DataSet>> arms;
  hsize_t rows = 0;
};

H5::DataSet new_column(H5::Group& g, const char* name, ColumnType type, const char* units) {
  const hsize_t empty[1] = {0}, unlimited[1] = {H5S_UNLIMITED}, chunk[1] = {kTrialChunkRows};
  H5::DSetCreatPropList dcpl;
  H5Pset_obj_track_times(dcpl.getId(), false);
  dcpl.setChunk(1, chunk);
  dcpl.setShuffle();
  dcpl.setDeflate(4);
  // Rows are only appended: a cache of two chunks holds the one being filled
  // (HDF5's default, 1 MiB a dataset, would hold 16 finished ones each).
  H5::DSetAccPropList dapl;
  H5Pset_chunk_cache(dapl.getId(), 101, 2 * kTrialChunkRows * storage_type(type).getSize(), 1.0);
  H5::DataSet ds =
      g.createDataSet(name, storage_type(type), H5::DataSpace(1, empty, unlimited), dcpl, dapl);
  attr(ds, "units", std::string(units));
  return ds;
}

// Appends `values` (doubles, stored as the column's type) at row `at`.
void append_column(H5::DataSet& ds, ColumnType type, const std::vector<double>& values,
                   hsize_t at) {
  const hsize_t count[1] = {values.size()}, offset[1] = {at}, size[1] = {at + values.size()};
  ds.extend(size);
  H5::DataSpace file_space = ds.getSpace();
  file_space.selectHyperslab(H5S_SELECT_SET, count, offset);
  const H5::DataSpace memory(1, count);
  auto write_as = [&](auto zero, const H5::PredType& mem_type) {
    std::vector<decltype(zero)> buffer(values.begin(), values.end());
    ds.write(buffer.data(), mem_type, memory, file_space);
  };
  switch (type) {
  case ColumnType::u64:
    return write_as(std::uint64_t{0}, H5::PredType::NATIVE_UINT64);
  case ColumnType::u32:
    return write_as(std::uint32_t{0}, H5::PredType::NATIVE_UINT32);
  case ColumnType::u8:
    return write_as(std::uint8_t{0}, H5::PredType::NATIVE_UINT8);
  default:
    ds.write(values.data(), H5::PredType::NATIVE_DOUBLE, memory, file_space);
  }
}

} // namespace

struct TrialsFile::Impl {
  std::string path, temp;
  H5::H5File file;
  std::vector<Table> tables;
  bool open = false;

  // Gives up the file: HDF5 would flush its caches on close and, after a
  // failed write, crash at exit trying again; so its descriptor is pointed at
  // /dev/null first, the handles closed, and the temporary file removed.
  void abandon() noexcept {
    if (!open) return;
    open = false;
    try {
      void* handle = nullptr;
      if (H5Fget_vfd_handle(file.getId(), H5P_DEFAULT, &handle) >= 0 && handle != nullptr) {
        const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
          ::dup2(null, *static_cast<int*>(handle));
          ::close(null);
        }
      }
      for (auto& t : tables) {
        for (auto& ds : t.columns)
          ds.close();
        for (auto& arm : t.arms)
          for (auto& ds : arm)
            ds.close();
      }
      file.close();
    } catch (...) {
    }
    ::unlink(temp.c_str());
  }

  // Runs HDF5 work; on failure abandons the file and throws the IoError.
  template <class F> void guarded(F&& work) {
    errno = 0;
    try {
      work();
      return;
    } catch (const H5::Exception& e) {
      const int error = errno;
      abandon();
      throw IoError("cannot write results to " + path + ": " +
                    (error != 0 ? std::string(std::strerror(error))
                                : "HDF5 " + e.getFuncName() + ": " + e.getDetailMsg()) +
                    " (nothing was left there; free some space or choose another --out)");
    }
  }

  void create(const std::vector<TrialTableDesign>& designs) {
    H5::FileAccPropList fapl;
    H5Pset_fapl_sec2(fapl.getId());
    // No sieve buffer: a write fails in the call that makes it, not in a
    // later close.
    H5Pset_sieve_buf_size(fapl.getId(), 0);
    // A bounded metadata cache: the chunk indexes grow with the rows, and
    // HDF5's default cache would keep up to 32 MiB of them in memory (this one, 2 MiB).
    H5AC_cache_config_t cache;
    cache.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    H5Pget_mdc_config(fapl.getId(), &cache);
    cache.set_initial_size = true;
    cache.initial_size = cache.min_size = 1 << 20;
    cache.max_size = 2 << 20;
    H5Pset_mdc_config(fapl.getId(), &cache);
    file = H5::H5File(temp, H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, fapl);
    open = true;
    H5::Group root = file.openGroup("/");
    H5::Group trials = new_group(root, "trials");
    for (std::size_t d = 0; d < designs.size(); ++d) {
      H5::Group g = new_group(trials, designs[d].name);
      attr(g, "index", H5::PredType::NATIVE_INT, static_cast<int>(d));
      Table& t = tables.emplace_back();
      for (const auto& c : kTrialColumns)
        t.columns.push_back(new_column(g, c.name, c.type, c.units));
      H5::Group arms = new_group(g, "arms");
      for (std::size_t a = 0; a < designs[d].arms.size(); ++a) {
        H5::Group ag = new_group(arms, designs[d].arms[a]);
        attr(ag, "index", H5::PredType::NATIVE_INT, static_cast<int>(a));
        auto& columns = t.arms.emplace_back();
        for (const auto& c : kTrialArmColumns)
          columns.push_back(new_column(ag, c.name, c.type, c.units));
      }
    }
  }
};

TrialsFile::TrialsFile(const std::string& path, const std::vector<TrialTableDesign>& designs)
    : impl_(std::make_unique<Impl>()) {
  H5::Exception::dontPrint();
  impl_->path = path;
  impl_->temp = path + ".tmp-" + std::to_string(::getpid());
  impl_->guarded([&] { impl_->create(designs); });
}

TrialsFile::~TrialsFile() {
  impl_->abandon();
}

void TrialsFile::append(std::size_t design, const std::vector<TrialRow>& rows) {
  if (!impl_->open || rows.empty()) return;
  Table& t = impl_->tables.at(design);
  std::vector<double> values(rows.size());
  impl_->guarded([&] {
    for (std::size_t c = 0; c < kTrialColumns.size(); ++c) {
      for (std::size_t i = 0; i < rows.size(); ++i)
        values[i] = kTrialColumns[c].get(rows[i]);
      append_column(t.columns[c], kTrialColumns[c].type, values, t.rows);
    }
    for (std::size_t a = 0; a < t.arms.size(); ++a)
      for (std::size_t c = 0; c < kTrialArmColumns.size(); ++c) {
        for (std::size_t i = 0; i < rows.size(); ++i)
          values[i] = kTrialArmColumns[c].get(rows[i].arms[a]);
        append_column(t.arms[a][c], kTrialArmColumns[c].type, values, t.rows);
      }
  });
  t.rows += rows.size();
}

void TrialsFile::commit(const RunSummary& summary, bool replace) {
  Impl& f = *impl_;
  if (!f.open) throw IoError("cannot write results to " + f.path + ": the file was abandoned");
  f.guarded([&] {
    H5::Group trials = f.file.openGroup("trials");
    attr(trials, "rows_per_design", H5::PredType::NATIVE_UINT64,
         static_cast<std::uint64_t>(f.tables.empty() ? 0 : f.tables.front().rows));
    write_layout(f.file, summary);
    f.file.flush(H5F_SCOPE_GLOBAL);
    for (auto& t : f.tables) {
      for (auto& ds : t.columns)
        ds.close();
      for (auto& arm : t.arms)
        for (auto& ds : arm)
          ds.close();
    }
    f.file.close();
  });
  f.open = false;
  // On disk before the rename, as write_results.
  const int fd = ::open(f.temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (::fsync(fd) != 0 && errno != EINVAL)) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::unlink(f.temp.c_str());
    throw IoError("cannot write results to " + f.path + ": " + reason +
                  " (nothing was left there; free some space or choose another --out)");
  }
  ::close(fd);
  place_results(f.temp, f.path, replace);
}

} // namespace sepsim
