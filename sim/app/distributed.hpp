// The processes of a run: one (the default build), or the ranks of an MPI
// job when sepsim is built with SEPSIM_MPI=ON and started by mpirun or srun.
// Part of the executable, not the library: the library only sees the
// ChunkExchange interface.
#pragma once

#include "sepsim/run/engine.hpp"

#include <memory>

class Processes {
public:
  Processes(int& argc, char**& argv); // MPI_Init in an MPI build
  ~Processes();                       // MPI_Finalize
  Processes(const Processes&) = delete;
  Processes& operator=(const Processes&) = delete;

  int rank() const { return rank_; }
  int ranks() const { return ranks_; }
  bool worker() const { return rank_ != 0; }
  // The exchange of chunk results, or nullptr with one process.
  sepsim::ChunkExchange* exchange() { return exchange_.get(); }
  // Stops every process of the job with this exit code (after a failure on
  // rank 0, the others may be waiting to send).
  [[noreturn]] void abort(int code);

private:
  int rank_ = 0, ranks_ = 1;
  std::unique_ptr<sepsim::ChunkExchange> exchange_;
};
