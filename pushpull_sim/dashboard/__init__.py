"""The workshop dashboard: two integration strategies side by side in a browser, offline.

``pushpull dashboard`` serves it (:func:`pushpull_sim.dashboard.server.serve`); in a
notebook, ``pn.extension()`` then :func:`pushpull_sim.dashboard.app.create_app`.
:mod:`pushpull_sim.dashboard.session` is its only link to the model. Importing this
package loads neither Panel nor the model.
"""
