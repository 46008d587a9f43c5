/// The Gantt chart of a workflow page, laid out on the server: one bar per step and per child
/// workflow, from its start to its end (now, for what still runs) on a shared time axis. The
/// template draws it as SVG; every text in it goes through the template's escaping.
struct Timeline {
    /// Something that took time: a step, or a child workflow.
    struct Span {
        /// `step` or `child` (the bar's CSS class).
        var kind: String
        /// The text left of the bar.
        var label: String
        /// The tooltip's text after the times.
        var detail: String
        /// The CSS status class of the bar (`ok`, `failed`, or a workflow status in lower case).
        var statusClass: String
        /// Milliseconds since 1970.
        var start: Int64
        var end: Int64
    }

    /// One drawn bar (all numbers as the SVG's attribute text).
    struct Bar {
        var kind: String
        var label: String
        var tooltip: String
        var statusClass: String
        var x: String
        var y: String
        var barWidth: String
        var barHeight: String
        var textY: String
    }

    /// A time mark on the axis.
    struct Tick {
        var x: String
        var label: String
        var axisY: String
        var labelY: String
        /// `start`, `middle` or `end`: the first and last labels stay inside the chart.
        var anchor: String
    }

    var width: Int
    var height: Int
    var bars: [Bar]
    var ticks: [Tick]
    var truncated: Bool
    var shown: Int
    var total: Int

    /// The most bars drawn; the rest are counted in the note under the chart.
    static let maximumBars = 200
    static let chartWidth = 960
    static let labelWidth = 300
    static let rowHeight = 20

    /// The chart of `spans` in their order, or nil when there is nothing to draw.
    init?(spans: [Span]) {
        guard !spans.isEmpty else { return nil }
        let drawn = Array(spans.prefix(Self.maximumBars))
        let origin = drawn.map(\.start).min() ?? 0
        let finish = max(drawn.map { max($0.end, $0.start) }.max() ?? origin, origin + 1)
        let range = Double(finish - origin)
        let left = Double(Self.labelWidth)
        let plot = Double(Self.chartWidth - Self.labelWidth - 10)
        func x(_ time: Int64) -> Double { left + plot * Double(time - origin) / range }
        func text(_ value: Double) -> String { String(Int(value.rounded())) }

        width = Self.chartWidth
        let axisY = drawn.count * Self.rowHeight + 4
        height = axisY + 18
        total = spans.count
        shown = drawn.count
        truncated = spans.count > drawn.count
        bars = drawn.enumerated().map { index, span in
            let top = index * Self.rowHeight + 3
            let start = x(span.start)
            let barWidth = max(2, x(max(span.end, span.start)) - start)
            let duration = max(0, span.end - span.start)
            return Bar(
                kind: span.kind, label: Self.shortened(span.label), tooltip: "\(span.label): \(Self.duration(duration)), from +\(Self.duration(span.start - origin)). \(span.detail)",
                statusClass: span.statusClass, x: text(start), y: String(top), barWidth: text(barWidth), barHeight: String(Self.rowHeight - 6),
                textY: String(top + Self.rowHeight - 8))
        }
        ticks = (0...4).map { step in
            let time = origin + Int64((range * Double(step) / 4).rounded())
            return Tick(x: text(x(time)), label: "+" + Self.duration(time - origin), axisY: String(axisY), labelY: String(axisY + 14),
                        anchor: step == 0 ? "start" : step == 4 ? "end" : "middle")
        }
    }

    /// `milliseconds` as `850 ms`, `12.3 s` or `4 min 5 s`.
    static func duration(_ milliseconds: Int64) -> String {
        if milliseconds < 1_000 { return "\(milliseconds) ms" }
        if milliseconds < 60_000 { return "\((Double(milliseconds) / 100).rounded() / 10) s" }
        return "\(milliseconds / 60_000) min \(milliseconds % 60_000 / 1_000) s"
    }

    /// A label that fits left of the bars.
    static func shortened(_ label: String) -> String {
        label.count <= 42 ? label : String(label.prefix(41)) + "…"
    }
}
