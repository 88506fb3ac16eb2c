//! Browser-side photo preparation (hydrate only): decode with the browser's own codecs, EXIF
//! orientation applied, resize, and re-encode as JPEG — which drops every EXIF tag, GPS
//! included — stepping quality (then size) down until it fits the byte cap.
//!
//! A JPEG, PNG or WebP file that is not whole (cut short, or with a broken checksum) is refused
//! before decoding: browsers paint what they cannot decode grey or black and say nothing. A
//! decode error of a file we accept is damage too.
//!
//! Fast path: `createImageBitmap(file, {imageOrientation: "from-image"})` → `OffscreenCanvas` →
//! `convertToBlob`. Older embedded engines without OffscreenCanvas fall back to an `<img>` and a
//! `<canvas>` with `toBlob`.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, ImageBitmap, ImageBitmapOptions,
    ImageEncodeOptions, ImageOrientation, OffscreenCanvas, OffscreenCanvasRenderingContext2d, Url,
};

use crate::imaging::integrity::{Damage, check_whole};
use crate::imaging::rules::{MIN_LONG_EDGE, QUALITY_LADDER, SHRINK, Sniffed, rejection, sniff, target_size};

/// A photo ready to upload.
pub struct Prepared {
    pub jpeg: Blob,
    pub width: u32,
    pub height: u32,
    pub quality: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrepareError {
    /// Not an image we accept; the message names the file and says why.
    Rejected(String),
    /// The file is damaged; the message names it.
    Damaged(String),
    /// Even small and at low quality it exceeds the cap.
    TooLarge(String),
    Browser(String),
}

impl PrepareError {
    pub fn message(&self) -> String {
        match self {
            PrepareError::Rejected(m) => m.clone(),
            PrepareError::Damaged(m) => m.clone(),
            PrepareError::TooLarge(name) => format!("{name} could not be made small enough to send."),
            PrepareError::Browser(detail) => format!("This browser could not prepare the photo ({detail})."),
        }
    }
}

fn js_err(e: JsValue) -> PrepareError {
    PrepareError::Browser(
        e.as_string()
            .or_else(|| js_sys::Error::from(e).message().as_string())
            .unwrap_or_default(),
    )
}

/// Reads the first bytes of a blob to check what it really is.
async fn head(blob: &Blob) -> Result<Vec<u8>, PrepareError> {
    let slice = blob.slice_with_i32_and_i32(0, 16).map_err(js_err)?;
    bytes(&slice).await
}

async fn bytes(blob: &Blob) -> Result<Vec<u8>, PrepareError> {
    let buf = JsFuture::from(blob.array_buffer()).await.map_err(js_err)?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Prepares one photo. `name` is only used in messages.
pub async fn prepare(file: &Blob, name: &str, max_long_edge: u32, max_bytes: u64) -> Result<Prepared, PrepareError> {
    let kind = sniff(&head(file).await?);
    if kind != Sniffed::Heic
        && let Some(why) = rejection(name, kind)
    {
        return Err(PrepareError::Rejected(why));
    }
    let damaged = |d: Damage| PrepareError::Damaged(d.message(name));
    if kind != Sniffed::Heic {
        check_whole(&bytes(file).await?).map_err(damaged)?;
    }
    let source = match decode(file).await {
        Ok(s) => s,
        // HEIC that this browser cannot decode: tell the GP how to get a JPEG.
        Err(_) if kind == Sniffed::Heic => {
            return Err(PrepareError::Rejected(rejection(name, kind).unwrap_or_default()));
        }
        // Every browser reads JPEG, PNG and WebP: failing to is damage.
        Err(_) => return Err(damaged(Damage::Corrupt)),
    };
    let result = encode_to_fit(&source, max_long_edge, max_bytes, name).await;
    source.release();
    result
}

/// A decoded, upright image.
enum Source {
    Bitmap(ImageBitmap),
    Image(HtmlImageElement, String),
}

impl Source {
    fn size(&self) -> (u32, u32) {
        match self {
            Source::Bitmap(b) => (b.width(), b.height()),
            Source::Image(i, _) => (i.natural_width(), i.natural_height()),
        }
    }
    fn release(self) {
        match self {
            Source::Bitmap(b) => b.close(),
            Source::Image(_, url) => {
                let _ = Url::revoke_object_url(&url);
            }
        }
    }
}

fn has_global(name: &str) -> bool {
    Reflect::has(&js_sys::global(), &JsValue::from_str(name)).unwrap_or(false)
}

async fn decode(file: &Blob) -> Result<Source, PrepareError> {
    let window = web_sys::window().ok_or_else(|| PrepareError::Browser("no window".into()))?;
    if has_global("createImageBitmap") {
        let opts = ImageBitmapOptions::new();
        opts.set_image_orientation(ImageOrientation::FromImage);
        if let Ok(promise) = window.create_image_bitmap_with_blob_and_image_bitmap_options(file, &opts)
            && let Ok(bitmap) = JsFuture::from(promise).await
        {
            return bitmap
                .dyn_into::<ImageBitmap>()
                .map(Source::Bitmap)
                .map_err(|_| PrepareError::Browser("not a bitmap".into()));
        }
    }
    // Fallback: <img> applies EXIF orientation itself (CSS image-orientation: from-image).
    let url = Url::create_object_url_with_blob(file).map_err(js_err)?;
    let img = HtmlImageElement::new().map_err(js_err)?;
    let loaded = Promise::new(&mut |resolve: Function, reject: Function| {
        img.set_onload(Some(&resolve));
        img.set_onerror(Some(&reject));
    });
    img.set_src(&url);
    match JsFuture::from(loaded).await {
        Ok(_) => Ok(Source::Image(img, url)),
        Err(e) => {
            let _ = Url::revoke_object_url(&url);
            Err(js_err(e))
        }
    }
}

async fn encode_to_fit(
    source: &Source,
    max_long_edge: u32,
    max_bytes: u64,
    name: &str,
) -> Result<Prepared, PrepareError> {
    let (w0, h0) = source.size();
    let (mut w, mut h) = target_size(w0, h0, max_long_edge);
    loop {
        let canvas = Canvas::new(w, h)?;
        canvas.draw(source, w, h)?;
        for quality in QUALITY_LADDER {
            let jpeg = canvas.to_jpeg(quality).await?;
            if (jpeg.size() as u64) <= max_bytes {
                return Ok(Prepared {
                    jpeg,
                    width: w,
                    height: h,
                    quality,
                });
            }
        }
        let long = w.max(h);
        if long <= MIN_LONG_EDGE {
            return Err(PrepareError::TooLarge(name.to_string()));
        }
        (w, h) = target_size(w, h, ((long as f64) * SHRINK) as u32);
    }
}

enum Canvas {
    Offscreen(OffscreenCanvas, OffscreenCanvasRenderingContext2d),
    Element(HtmlCanvasElement, CanvasRenderingContext2d),
}

impl Canvas {
    fn new(w: u32, h: u32) -> Result<Canvas, PrepareError> {
        if has_global("OffscreenCanvas") {
            let c = OffscreenCanvas::new(w, h).map_err(js_err)?;
            let ctx = c
                .get_context("2d")
                .map_err(js_err)?
                .ok_or_else(|| PrepareError::Browser("no 2d context".into()))?
                .dyn_into::<OffscreenCanvasRenderingContext2d>()
                .map_err(|_| PrepareError::Browser("no 2d context".into()))?;
            return Ok(Canvas::Offscreen(c, ctx));
        }
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| PrepareError::Browser("no document".into()))?;
        let c = doc
            .create_element("canvas")
            .map_err(js_err)?
            .dyn_into::<HtmlCanvasElement>()
            .map_err(|_| PrepareError::Browser("no canvas".into()))?;
        c.set_width(w);
        c.set_height(h);
        let ctx = c
            .get_context("2d")
            .map_err(js_err)?
            .ok_or_else(|| PrepareError::Browser("no 2d context".into()))?
            .dyn_into::<CanvasRenderingContext2d>()
            .map_err(|_| PrepareError::Browser("no 2d context".into()))?;
        Ok(Canvas::Element(c, ctx))
    }

    /// Draws the image over white (a JPEG has no transparency; without the fill a
    /// transparent PNG's background would become black).
    fn draw(&self, source: &Source, w: u32, h: u32) -> Result<(), PrepareError> {
        let (w, h) = (w as f64, h as f64);
        match self {
            Canvas::Offscreen(_, ctx) => {
                ctx.set_fill_style_str("#ffffff");
                ctx.fill_rect(0.0, 0.0, w, h);
            }
            Canvas::Element(_, ctx) => {
                ctx.set_fill_style_str("#ffffff");
                ctx.fill_rect(0.0, 0.0, w, h);
            }
        }
        match (self, source) {
            (Canvas::Offscreen(_, ctx), Source::Bitmap(b)) => {
                ctx.draw_image_with_image_bitmap_and_dw_and_dh(b, 0.0, 0.0, w, h)
            }
            (Canvas::Offscreen(_, ctx), Source::Image(i, _)) => {
                ctx.draw_image_with_html_image_element_and_dw_and_dh(i, 0.0, 0.0, w, h)
            }
            (Canvas::Element(_, ctx), Source::Bitmap(b)) => {
                ctx.draw_image_with_image_bitmap_and_dw_and_dh(b, 0.0, 0.0, w, h)
            }
            (Canvas::Element(_, ctx), Source::Image(i, _)) => {
                ctx.draw_image_with_html_image_element_and_dw_and_dh(i, 0.0, 0.0, w, h)
            }
        }
        .map_err(js_err)
    }

    async fn to_jpeg(&self, quality: f64) -> Result<Blob, PrepareError> {
        let promise = match self {
            Canvas::Offscreen(c, _) => {
                let opts = ImageEncodeOptions::new();
                opts.set_type("image/jpeg");
                opts.set_quality(quality);
                c.convert_to_blob_with_options(&opts).map_err(js_err)?
            }
            Canvas::Element(c, _) => {
                let c = c.clone();
                Promise::new(&mut |resolve: Function, reject: Function| {
                    let cb = Closure::once_into_js(move |blob: JsValue| {
                        let _ = resolve.call1(&JsValue::NULL, &blob);
                    });
                    if let Err(e) = c.to_blob_with_type_and_encoder_options(
                        cb.unchecked_ref(),
                        "image/jpeg",
                        &JsValue::from_f64(quality),
                    ) {
                        let _ = reject.call1(&JsValue::NULL, &e);
                    }
                })
            }
        };
        let blob = JsFuture::from(promise).await.map_err(js_err)?;
        blob.dyn_into::<Blob>()
            .map_err(|_| PrepareError::Browser("encoder returned no image".into()))
    }
}
