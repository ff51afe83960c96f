"""Runs inside Debian's Python with QGIS (``/usr/bin/python3``, ``QT_QPA_PLATFORM=offscreen``).

Reads a JSON job from argv[1], drives QGIS' own OAPIF provider and vector-tile renderer against the
live test server, prints one JSON object with what QGIS saw. Started by ``test_qgis.py``; kept free
of the project's imports (the QGIS interpreter has no access to the project's virtualenv).
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    job = json.loads(sys.argv[1])
    from qgis.core import (
        Qgis,
        QgsApplication,
        QgsCoordinateReferenceSystem,
        QgsDataSourceUri,
        QgsFeatureRequest,
        QgsMapBoxGlStyleConverter,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsRectangle,
        QgsVectorLayer,
        QgsVectorTileLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor  # noqa: I001

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    out: dict[str, object] = {"qgis": Qgis.QGIS_VERSION}

    def oapif(typename: str, page_size: int, auth: bool, restrict: bool = False) -> QgsVectorLayer:
        uri = QgsDataSourceUri()
        uri.setParam("url", job["url"] + "/ogc")
        uri.setParam("typename", typename)
        uri.setParam("pagingEnabled", "true")
        uri.setParam("pageSize", str(page_size))
        uri.setParam("restrictToRequestBBOX", "1" if restrict else "0")
        if auth:
            uri.setUsername(job["user"])
            uri.setPassword(job["token"])
        return QgsVectorLayer(uri.uri(False), typename, "OAPIF")

    # 1. the sites layer (planner): loads, German aliases don't matter to 3.22, paging reaches every feature
    sites = oapif("sites", 5, True)
    out["sites_valid"] = sites.isValid()
    out["sites_feature_count"] = sites.featureCount()
    out["sites_iterated"] = sum(1 for _ in sites.getFeatures())
    out["sites_fields"] = [f.name() for f in sites.fields()]
    out["sites_crs"] = sites.crs().authid()

    # 2. parcels with a CRS84 rectangle (QGIS 3.22 always works in EPSG:4326 / CRS84 for OAPIF)
    parcels = oapif("parcels", 500, False, restrict=True)    # sends the rectangle as bbox=
    out["parcels_valid"] = parcels.isValid()
    x0, y0, x1, y1 = job["bbox"]
    request = QgsFeatureRequest().setFilterRect(QgsRectangle(x0, y0, x1, y1))
    out["bbox_keys"] = sorted({f["flurstueckskennzeichen"] for f in parcels.getFeatures(request)})

    # 3. a vector-tile layer over the combined tiles, rendered to an image
    tiles = QgsVectorTileLayer(f"type=xyz&url={job['url']}/ogc/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
                               "&zmin=0&zmax=16", "Flächenpool")
    out["tiles_valid"] = tiles.isValid()
    def render(extent: list[float], name: str) -> tuple[int, int]:
        settings = QgsMapSettings()
        settings.setLayers([tiles])
        settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
        settings.setExtent(QgsRectangle(*extent))
        settings.setOutputSize(QSize(512, 512))
        settings.setBackgroundColor(QColor(255, 255, 255))
        job_ = QgsMapRendererSequentialJob(settings)
        job_.start()
        job_.waitForFinished()
        image = job_.renderedImage()
        image.save(job["image"].replace(".png", f"-{name}.png"))
        white = QColor(255, 255, 255).rgb()
        pixels = [image.pixel(x, y) for x in range(0, 512, 4) for y in range(0, 512, 4)]
        return sum(1 for p in pixels if p != white), len(set(pixels))

    out["tile_default"] = render(job["tile_extent_3857"], "default")
    out["tile_empty"] = render(job["empty_extent_3857"], "empty")
    converter = QgsMapBoxGlStyleConverter()
    out["style_result"] = int(converter.convert(job["style"]))
    out["style_warnings"] = list(converter.warnings())
    tiles.setRenderer(converter.renderer())
    out["tile_styled"] = render(job["tile_extent_3857"], "styled")
    # 4. the shipped project (qgis/flaechenpool.qgs, pointed at the test server): every layer loads
    if job.get("project"):
        from qgis.core import QgsProject

        project = QgsProject.instance()
        out["project_read"] = project.read(job["project"])
        layers = list(project.mapLayers().values())
        out["project_layers"] = len(layers)
        out["project_invalid"] = [layer.name() for layer in layers if not layer.isValid()]
        sites_layer = next((layer for layer in layers if layer.name() == "Potenzialflächen"), None)
        out["project_sites_alias"] = sites_layer.attributeAlias(sites_layer.fields().indexOf("kind")) if sites_layer else None
        out["project_sites_renderer"] = sites_layer.renderer().type() if sites_layer else None
    print("QGIS-PROBE " + json.dumps(out), flush=True)
    os._exit(0)   # QGIS 3.22 may crash while tearing down in offscreen mode; the answer is out


if __name__ == "__main__":
    main()
