#!/usr/bin/env bash
# An example Slurm job: the follow-up trial's sensitivity analysis, distributed
# with MPI (one rank per node, oneTBB threads within it). The numbers do not
# depend on how many nodes or threads computed them.
#
#SBATCH --job-name=sepsim-sensitivity
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --time=01:00:00
#SBATCH --output=sepsim-%j.log
#
# From the repository root, on the cluster (Open MPI and the Debian packages
# of scripts/setup.sh, or the cluster's modules):
#   cmake --preset mpi && cmake --build --preset mpi
#   sbatch scripts/slurm-sweep.sh
# If the job is stopped (time limit, a failed node), the completed grid points
# are in results/followup-sensitivity.partial.h5; finish them with
#   RESUME=1 sbatch scripts/slurm-sweep.sh
# Without Slurm, the same on one machine: mpirun -n 4 build-mpi/sepsim sweep ...
# (srun may need --mpi=pmix, depending on how the cluster's Open MPI was built.)
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
threads=${SLURM_CPUS_PER_TASK:-0}
out=results/followup-sensitivity.h5
mkdir -p results
if [ "${RESUME:-0}" = 1 ]; then
  srun build-mpi/sepsim sweep --resume "${out%.h5}.partial.h5" --threads "$threads" --no-progress
else
  # 4 designs x N x MALS prevalence x IFN-gamma effect x HLA-DR assay error:
  # 468 grid points, 100,000 trials each (tight type I error and power).
  srun build-mpi/sepsim sweep scenarios/followup-designs.toml \
    --vary designs.immunosep.sample_size=200:800:50 \
    --vary population.prevalence.mals=0.03,0.065,0.10,0.15 \
    --vary treatments.ifn_gamma.response.immunoparalysis=0.25,0.30,0.35 \
    --vary population.hla_dr_per_monocyte.assay_cv=0.10,0.25,0.40 \
    --reps 100000 --threads "$threads" --no-progress --out "$out"
fi
