import Foundation

/// The house style of every figure, and the frame of every `.gp` file.
///
/// A script sets the PNG terminal (pngcairo) and then the PDF terminal (pdfcairo) in turn and
/// draws the same plot body under each, reading the `.dat` beside it by its relative name.
/// Colours are the Okabe–Ito palette, which colour-blind readers can tell apart.
enum GnuplotScript {
    /// The Okabe–Ito colours, without black: orange, sky blue, bluish green, vermillion, blue,
    /// reddish purple, yellow.
    static let palette = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#F0E442"]
    /// The font of every label.
    static let font = "Helvetica,11"
    /// Pixels per inch of the PNG.
    static let pixelsPerInch = 110.0

    /// A diverging blue–white–vermillion palette for signed values centred on zero.
    static let divergingPalette =
        "set palette defined (0 \(GnuplotString.quoted("#0072B2")), 0.5 \(GnuplotString.quoted("#FFFFFF")), 1 \(GnuplotString.quoted("#D55E00")))"

    /// A white–orange–vermillion palette for values from zero up.
    static let sequentialPalette =
        "set palette defined (0 \(GnuplotString.quoted("#FFFFFF")), 0.5 \(GnuplotString.quoted("#E69F00")), 1 \(GnuplotString.quoted("#D55E00")))"
    /// The legend outside the plot, on the right, samples after the text, so it never covers data
    /// or axis labels.
    static let keyRight = "set key outside right top vertical Left reverse"

    /// The y-axis label of G-effects.
    static let geffectLabel = "G-effect e = ⟨∇R, ∇L⟩"
    /// The x-axis label of recorded steps.
    static let stepLabel = "unlearning step t"

    /// The whole `.gp` text of figure `name`: a header saying what it shows, then `body` drawn
    /// once per terminal at `width` × `height` inches.
    static func make(name: String, description: String, width: Double, height: Double, body: [String]) -> String {
        let pngSize = "\(Int((width * pixelsPerInch).rounded())),\(Int((height * pixelsPerInch).rounded()))"
        let header = [
            "# " + GnuplotString.comment("\(name).gp, written by gscope plot: \(description)"),
            "# " + GnuplotString.comment("Reads \(name).dat (beside this file); run 'gnuplot \(name).gp' in this directory to"),
            "# " + GnuplotString.comment("redraw \(name).png and \(name).pdf after editing."),
            "datafile = \(GnuplotString.quoted(name + ".dat"))",
            "",
            "do for [format in \(GnuplotString.quoted("png pdf"))] {",
            "  if (format eq \(GnuplotString.quoted("png"))) {",
            "    set terminal pngcairo enhanced size \(pngSize) font \(GnuplotString.quoted(font)) linewidth 1.5",
            "  } else {",
            "    set terminal pdfcairo enhanced size \(format(width))in,\(format(height))in font \(GnuplotString.quoted(font)) linewidth 1.5",
            "  }",
            "  set output \(GnuplotString.quoted(name + ".")).format",
            "  reset",
        ]
        let style =
            [
                "set encoding utf8",
                "set border 3 linewidth 1",
                "set tics nomirror out",
                "set grid back linecolor rgb \(GnuplotString.quoted("#DDDDDD")) linewidth 0.6",
                "set key noopaque nobox samplen 2.5 spacing 1.1",
                "set datafile separator tab",
            ]
            + palette.enumerated().map {
                "set linetype \($0.offset + 1) linecolor rgb \(GnuplotString.quoted($0.element)) linewidth 1.5 pointtype \(pointTypes[$0.offset]) pointsize 0.8"
            }
        let footer = ["  unset multiplot", "  set output", "}"]
        return (header + (style + body).map { "  " + $0 } + footer).joined(separator: "\n") + "\n"
    }

    /// Point types cycling with the line types: circle, triangle, square, diamond, inverted
    /// triangle, pentagon, filled circle.
    static let pointTypes = [7, 9, 5, 13, 11, 15, 6]

    /// A number as written in a script.
    static func format(_ value: Double) -> String { DataTable.format(value) }

    /// The palette and `set cbrange` for a heat map of `values`: white to vermillion from zero
    /// when none is negative, else blue–white–vermillion centred on zero.
    /// Colour-box labels are short (`%.2g`) and the panel keeps 12 characters on its right for the
    /// box, its labels and its title, which gnuplot does not reserve inside a multiplot.
    static func colourScale(_ values: [Double]) -> [String] {
        let finite = values.filter(\.isFinite)
        let box = ["set format cb \(GnuplotString.quoted("%.2g"))", "set rmargin 12"]
        guard finite.allSatisfy({ $0 >= 0 }) else { return [divergingPalette, "set cbrange \(symmetricRange(finite))"] + box }
        let top = finite.max() ?? 0
        return [sequentialPalette, "set cbrange [0:\(format(top > 0 ? top : 1))]"] + box
    }

    /// `[lo:hi]` covering ±the largest magnitude in `values` (a colour range centred on zero).
    static func symmetricRange(_ values: [Double]) -> String {
        let largest = values.filter(\.isFinite).map(abs).max() ?? 0
        let bound = largest > 0 ? largest : 1
        return "[-\(format(bound)):\(format(bound))]"
    }
}
