//! Criterion bench of the SPI search on seeded padded games (planted SPI and nothing planted),
//! sizes in the names. The growth curve against the naive search is `bench/spi-search/run.sh`.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented public function"
)]
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use spi_theory::generate::padded_game;
use spi_theory::{SpiQuery, search};

fn spi_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("spi_search");
    group.sample_size(10);
    for m in [8usize, 16, 24, 32, 40] {
        let k = (m / 4).max(2);
        let planted = padded_game(m as u64, m, k, true).game;
        group.bench_with_input(
            BenchmarkId::new("planted", format!("m={m},k={k}")),
            &planted,
            |b, g| b.iter(|| search(g, &SpiQuery::omnilateral()).expect("valid query")),
        );
        let padded = padded_game(1000 + m as u64, m, k, false).game;
        group.bench_with_input(
            BenchmarkId::new("padded", format!("m={m},k={k}")),
            &padded,
            |b, g| b.iter(|| search(g, &SpiQuery::omnilateral()).expect("valid query")),
        );
    }
    group.finish();
}

criterion_group!(benches, spi_search);
criterion_main!(benches);
