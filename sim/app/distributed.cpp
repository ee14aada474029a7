#include "distributed.hpp"

#include <cstdlib>

#ifdef SEPSIM_WITH_MPI
// The C API only (Open MPI's and MPICH's deprecated C++ bindings need libmpi_cxx).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <type_traits>

namespace {
// Chunk results travel as bytes: ReplicateResult is trivially copyable and
// every rank runs the same binary.
static_assert(std::is_trivially_copyable_v<sepsim::ReplicateResult>);

class MpiExchange : public sepsim::ChunkExchange {
public:
  MpiExchange(int rank, int ranks) : rank_(rank), ranks_(ranks) {}
  int rank() const override { return rank_; }
  int ranks() const override { return ranks_; }
  // Messages between two ranks arrive in the order sent, and every rank sends
  // its chunks in increasing order, which is the order rank 0 folds them in.
  void receive(std::uint64_t chunk, sepsim::ReplicateResult* results, std::size_t count) override {
    MPI_Recv(results, static_cast<int>(count * sizeof(sepsim::ReplicateResult)), MPI_BYTE,
             static_cast<int>(chunk % static_cast<std::uint64_t>(ranks_)), 0, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
  }
  void send(std::uint64_t, const sepsim::ReplicateResult* results, std::size_t count) override {
    MPI_Send(results, static_cast<int>(count * sizeof(sepsim::ReplicateResult)), MPI_BYTE, 0, 0,
             MPI_COMM_WORLD);
  }

private:
  int rank_, ranks_;
};
} // namespace

Processes::Processes(int& argc, char**& argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
  if (ranks_ > 1) exchange_ = std::make_unique<MpiExchange>(rank_, ranks_);
}

Processes::~Processes() {
  MPI_Finalize();
}

void Processes::abort(int code) {
  if (ranks_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

#else

Processes::Processes(int&, char**&) {}
Processes::~Processes() = default;
void Processes::abort(int code) {
  std::exit(code);
}

#endif
