#include "server/service/sampled_metrics.h"

#include <utility>

namespace streamtune {

void SampledMetrics::AddCounter(std::string name, std::string help,
                                std::vector<Series> series) {
  Add(prometheus::MetricType::Counter, std::move(name), std::move(help),
      std::move(series));
}

void SampledMetrics::AddGauge(std::string name, std::string help,
                              std::vector<Series> series) {
  Add(prometheus::MetricType::Gauge, std::move(name), std::move(help),
      std::move(series));
}

void SampledMetrics::Add(prometheus::MetricType type, std::string name,
                         std::string help, std::vector<Series> series) {
  Family family;
  family.shape.name = std::move(name);
  family.shape.help = std::move(help);
  family.shape.type = type;
  family.series = std::move(series);
  families_.push_back(std::move(family));
}

std::vector<prometheus::MetricFamily> SampledMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  for (const Family& family : families_) {
    prometheus::MetricFamily collected = family.shape;
    for (const Series& series : family.series) {
      prometheus::ClientMetric metric;
      for (const auto& [name, value] : series.labels)
        metric.label.push_back({name, value});
      const double value = series.value();
      if (family.shape.type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
      } else {
        metric.gauge.value = value;
      }
      collected.metric.push_back(std::move(metric));
    }
    out.push_back(std::move(collected));
  }
  return out;
}

}  // namespace streamtune
