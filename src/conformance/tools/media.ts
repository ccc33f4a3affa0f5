/**
 * Tiny media the conformance fixtures return, as base64. Generated once, checked by the scenarios only for shape
 * (a data field and a MIME type), so they are as small as valid files get.
 */

/** A 1x1 red PNG (8-bit RGB). */
export const RED_PIXEL_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

/** One millisecond of silence: a PCM WAV, 8 kHz, mono, 8-bit, 8 samples. */
export const SILENT_WAV = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==";
