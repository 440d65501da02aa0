"""Small-strain kinematics for the three dimensions through one code path.

Tensors are always 3x3, written in the basis natural to the dimension:

* ``radial``: (e_r, e_θ, e_φ), displacement u = u_r(r) (a scalar field), measure weight r²;
* ``axisymmetric``: (e_r, e_z, e_φ), u = (u_r, u_z)(r, z), weight r;
* ``3d``: Cartesian, weight 1.

A radially symmetric or axisymmetric problem is thus the 3-D one with a weighted measure and
the hoop strain u_r/r; nothing else in the code knows which dimension it runs in.
"""

import ufl

DIMENSIONS = ("radial", "axisymmetric", "3d")


def weight(dimension: str, x) -> ufl.core.expr.Expr:
    """Volume weight of the measure: r², r or 1 (the constant 4π / 2π lives in the domain)."""
    return {"radial": x[0] ** 2, "axisymmetric": x[0], "3d": 1.0}[dimension]


def displacement_gradient(u, dimension: str, x, on_axis: bool = False) -> ufl.core.expr.Expr:
    """Grad u as a 3x3 tensor in the dimension's basis (dimensionless).

    ``on_axis=True`` makes the hoop term u_r/r take its limit ∂u_r/∂r at r = 0; needed only
    where fields are sampled on the axis (outputs), never in forms (quadrature avoids r = 0).
    """
    if dimension == "radial":
        hoop = _hoop_strain(u, u.dx(0), x[0], on_axis)
        return ufl.as_tensor([[u.dx(0), 0, 0], [0, hoop, 0], [0, 0, hoop]])
    if dimension == "axisymmetric":
        g = ufl.grad(u)
        hoop = _hoop_strain(u[0], g[0, 0], x[0], on_axis)
        return ufl.as_tensor([[g[0, 0], g[0, 1], 0], [g[1, 0], g[1, 1], 0], [0, 0, hoop]])
    return ufl.grad(u)


def strain(u, dimension: str, x, on_axis: bool = False) -> ufl.core.expr.Expr:
    """Small strain ε = sym(Grad u) in the dimension's basis (dimensionless)."""
    return ufl.sym(displacement_gradient(u, dimension, x, on_axis))


def deformation_gradient(u, dimension: str, x, on_axis: bool = False) -> ufl.core.expr.Expr:
    """F = I + Grad u in the dimension's basis (total Lagrangian, reference coordinates)."""
    return ufl.Identity(3) + displacement_gradient(u, dimension, x, on_axis)


def _hoop_strain(u_r, du_r_dr, r, on_axis):
    """u_r/r, or with ``on_axis`` its limit ∂u_r/∂r at r = 0."""
    if not on_axis:
        return u_r / r
    return ufl.conditional(ufl.gt(r, 1e-12), u_r / ufl.max_value(r, 1e-12), du_r_dr)


def scalar_gradient(f, dimension: str) -> ufl.core.expr.Expr:
    """Grad f of a scalar field as a 3-vector in the dimension's basis."""
    g = ufl.grad(f)
    if dimension == "radial":
        return ufl.as_vector([g[0], 0, 0])
    if dimension == "axisymmetric":
        return ufl.as_vector([g[0], g[1], 0])
    return g


def position(dimension: str, x, center=(0.0, 0.0, 0.0)) -> ufl.core.expr.Expr:
    """Position relative to ``center`` as a 3-vector in the dimension's basis."""
    if dimension == "radial":
        return ufl.as_vector([x[0], 0, 0])
    if dimension == "axisymmetric":
        return ufl.as_vector([x[0], x[1] - center[2], 0])
    return ufl.as_vector([x[i] - center[i] for i in range(3)])


def radial_displacement(u, dimension: str, x, center=(0.0, 0.0, 0.0)) -> ufl.core.expr.Expr:
    """u·e_r about ``center``; at the centre itself the value is taken as zero."""
    if dimension == "radial":
        return u
    p = position(dimension, x, center)
    r = ufl.sqrt(ufl.dot(p, p))
    uvec = ufl.as_vector([u[0], u[1], 0]) if dimension == "axisymmetric" else u
    return ufl.conditional(ufl.gt(r, 0), ufl.dot(uvec, p) / ufl.max_value(r, 1e-300), 0.0)


def area_ratio(F, dimension: str, mesh) -> ufl.core.expr.Expr:
    """da/dA = J |F⁻ᵀN| (Nanson) on a boundary facet with reference normal N, in the
    dimension's basis (radial: N = e_r; axisymmetric: (n_r, n_z, 0))."""
    n = ufl.FacetNormal(mesh)
    N = {"radial": lambda: ufl.as_vector([n[0], 0, 0]),
         "axisymmetric": lambda: ufl.as_vector([n[0], n[1], 0]),
         "3d": lambda: n}[dimension]()
    return ufl.det(F) * ufl.sqrt(ufl.dot(ufl.dot(ufl.inv(F).T, N), ufl.dot(ufl.inv(F).T, N)))
