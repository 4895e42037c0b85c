//! The JS built-ins the boundary uses (`Array`, `Object`, `Function`, `Promise`, `Reflect`, `Math.random`,
//! `Date.now`, the error constructors), bound here instead of through `js-sys`: js-sys 0.3.107 exports a JSPI
//! trampoline (`#[no_mangle]`) whose wakers stay in the function table of every module that links it, code the
//! package never runs; with these bindings the download is 420 B gzip smaller (BENCHMARKS.md, "Size levers").

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A JS array (`Array.isArray` decides what casts to it).
    #[wasm_bindgen(is_type_of = Array::is_array)]
    #[derive(Clone)]
    pub type Array;
    /// `new Array()`.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Array;
    /// `Array.isArray(value)`.
    #[wasm_bindgen(static_method_of = Array, js_name = isArray)]
    pub fn is_array(value: &JsValue) -> bool;
    /// `array.push(value)`.
    #[wasm_bindgen(method)]
    pub fn push(this: &Array, value: &JsValue) -> u32;
    /// `array.length`.
    #[wasm_bindgen(method, getter)]
    pub fn length(this: &Array) -> u32;
    /// `array[index]` (undefined past its end). Loops over an array index it: an iterator adapter over it cost
    /// 190 B gzip (measured).
    #[wasm_bindgen(method, indexing_getter)]
    pub fn get(this: &Array, index: i32) -> JsValue;

    /// A JS object.
    #[derive(Clone)]
    pub type Object;
    /// `new Object()`.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Object;
    /// `Object.keys(value)`: its own enumerable string keys.
    #[wasm_bindgen(static_method_of = Object)]
    pub fn keys(value: &JsValue) -> Array;
    /// `Object.fromEntries(entries)`; throws for what is not an iterable of pairs.
    #[wasm_bindgen(static_method_of = Object, js_name = fromEntries, catch)]
    pub fn from_entries(entries: &JsValue) -> Result<Object, JsValue>;

    /// A JS function (`typeof` decides what casts to it).
    #[wasm_bindgen(is_type_of = JsValue::is_function)]
    #[derive(Clone)]
    pub type Function;
    /// `f.call(this_arg, arg)`; what it throws comes back as `Err`.
    #[wasm_bindgen(method, catch, js_name = call)]
    pub fn call1(this: &Function, this_arg: &JsValue, arg: &JsValue) -> Result<JsValue, JsValue>;

    /// A JS promise.
    #[derive(Clone)]
    pub type Promise;
    /// `Promise.reject(reason)`.
    #[wasm_bindgen(static_method_of = Promise)]
    pub fn reject(reason: &JsValue) -> Promise;

    /// `TypeError`, the error of invalid arguments.
    pub type TypeError;
    /// `new TypeError(message)`.
    #[wasm_bindgen(constructor)]
    pub fn new(message: &str) -> TypeError;

    /// `SyntaxError` (`JSON.parse` of a body that is not JSON), for `instanceof`.
    pub type SyntaxError;

    /// `Reflect.get(target, key)`; a throwing getter comes back as `Err`.
    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    pub fn reflect_get(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;
    /// `Reflect.set(target, key, value)`; a throwing setter comes back as `Err`.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set, catch)]
    pub fn reflect_set(target: &JsValue, key: &JsValue, value: &JsValue) -> Result<bool, JsValue>;

    /// `Math.random()`.
    #[wasm_bindgen(js_namespace = Math)]
    pub fn random() -> f64;
    /// `Date.now()`: ms since the epoch.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn date_now() -> f64;
    /// `String(n)`: a number as JS writes it, without float formatting in the wasm build.
    #[wasm_bindgen(js_name = String)]
    pub fn number_string(n: f64) -> String;
}

