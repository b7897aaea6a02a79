#include "client/svg_to_png.h"

#include <cairo.h>
#include <librsvg/rsvg.h>

#include <cmath>

namespace derm::client {

Status WriteSvgAsPng(const std::string& svg, const std::string& path, double scale) {
  GError* error = nullptr;
  RsvgHandle* handle =
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error);
  if (!handle) {
    const std::string message = error ? error->message : "unknown error";
    g_clear_error(&error);
    return Internal("cannot read the plot's SVG: " + message);
  }
  gdouble w = 0, h = 0;
  if (!rsvg_handle_get_intrinsic_size_in_pixels(handle, &w, &h) || w <= 0 || h <= 0) {
    g_object_unref(handle);
    return Internal("the plot's SVG has no size");
  }
  const int pw = static_cast<int>(std::ceil(w * scale)), ph = static_cast<int>(std::ceil(h * scale));
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  const RsvgRectangle viewport{0, 0, static_cast<double>(pw), static_cast<double>(ph)};
  const bool rendered = rsvg_handle_render_document(handle, cr, &viewport, &error);
  Status st;
  if (!rendered) {
    st = Internal(std::string("cannot render the plot: ") + (error ? error->message : "unknown error"));
    g_clear_error(&error);
  } else if (cairo_surface_write_to_png(surface, path.c_str()) != CAIRO_STATUS_SUCCESS) {
    st = InvalidArgument("cannot write " + path);
  }
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  g_object_unref(handle);
  return st;
}

}  // namespace derm::client
