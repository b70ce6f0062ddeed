// Dashboard charts (ECharts, served from this site: no CDN). Data comes from the page's json_script.
(function () {
  var el = document.getElementById("chart-data");
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.textContent);
  var unit = data.unit || "";
  var trendEl = document.getElementById("trend-chart");
  if (trendEl) {
    var series = [{ type: "line", name: data.indicator, data: data.trend.map(function (p) { return p.value; }), connectNulls: false, label: { show: true } }];
    if (data.target !== null) {
      series.push({ type: "line", name: data.target_label, data: data.trend.map(function (p) { return p.target; }), lineStyle: { type: "dashed" }, symbol: "none" });
    }
    echarts.init(trendEl).setOption({
      tooltip: { trigger: "axis" }, legend: {}, grid: { left: 50, right: 20, bottom: 30 },
      xAxis: { type: "category", data: data.trend.map(function (p) { return p.period; }) },
      yAxis: { type: "value", name: unit }, series: series
    });
  }
  var leagueEl = document.getElementById("league-chart");
  if (leagueEl) {
    var rows = data.league.slice().reverse();
    var option = {
      tooltip: { trigger: "axis" }, grid: { left: 110, right: 30, bottom: 30 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      xAxis: { type: "value", name: unit },
      series: [{ type: "bar", data: rows.map(function (r) { return r.value; }), label: { show: true, position: "right" } }]
    };
    if (data.target !== null) {
      option.series[0].markLine = { symbol: "none", data: [{ xAxis: data.target, name: data.target_label }] };
    }
    echarts.init(leagueEl).setOption(option);
  }
})();
