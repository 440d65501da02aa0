# swellfem on the official FEniCSx image (dolfinx 0.11, PETSc, MPI from the image)
FROM ghcr.io/fenics/dolfinx/dolfinx:v0.11.0
WORKDIR /opt/swellfem
COPY . .
# dolfinx, petsc4py and mpi4py come from the image: do not pull the wheel extra
RUN pip install --no-cache-dir scipy pyyaml "pydantic>=2" "pint>=0.23" matplotlib h5py meshio gmsh \
    tifffile pytest \
 && pip install --no-cache-dir --no-deps -e .
ENTRYPOINT ["swellfem"]
CMD ["info"]
