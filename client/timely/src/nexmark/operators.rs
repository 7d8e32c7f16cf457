//! Building blocks shared by the queries: the stateless operator (filter,
//! map) whose input is routed with the operator's router, and the sink.

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Probe;
use timely::dataflow::StreamVec;
use timely::ExchangeData;

use crate::runner::BuildContext;
use crate::sink::committing_sink;

/// The stateless operator `name`: records reach instance `hash(key) % p`
/// and `logic` turns each into zero or more outputs, within the fuel of one
/// invocation.
pub fn stateless<'scope, D, R, K, L>(
    stream: StreamVec<'scope, u64, D>,
    name: &str,
    ctx: &BuildContext,
    key: K,
    mut logic: L,
) -> StreamVec<'scope, u64, R>
where
    D: ExchangeData,
    R: Clone + 'static,
    K: Fn(&D) -> u64 + 'static,
    L: FnMut(D, &mut Vec<R>) + 'static,
{
    let router = ctx.router(name);
    let mut meter = ctx.meter(name);
    let mut queue = ctx.queue::<D>(name);
    let scope = stream.scope();
    let pact = Exchange::new(move |d: &D| router.target(key(d)));
    stream.unary::<CapacityContainerBuilder<Vec<R>>, _, _, _>(pact, name, move |_, info| {
        let activator = scope.activator_for(info.address);
        let mut out = Vec::new();
        move |input, output| {
            let port = output.output_index();
            input.for_each(|cap, data| queue.push(&cap, port, data));
            let more = queue.process(&mut meter, |cap, batch| {
                for record in batch {
                    logic(record, &mut out);
                }
                output.session(&cap).give_iterator(out.drain(..));
            });
            if more {
                activator.activate();
            }
        }
    })
}

/// The job's committing sink `name`, followed by the job's probe.
pub fn sink<'scope, D, K, H>(
    stream: StreamVec<'scope, u64, D>,
    name: &str,
    ctx: &BuildContext,
    key: K,
    digest: H,
) where
    D: ExchangeData,
    K: Fn(&D) -> u64 + 'static,
    H: Fn(&D) -> u64 + 'static,
{
    committing_sink(
        stream,
        name,
        ctx.router(name),
        ctx.meter(name),
        ctx.queue::<D>(name),
        ctx.sink_stats(),
        key,
        digest,
    )
    .probe_with(ctx.probe());
}

/// Folds a few integers into one digest (for sink checksums).
pub fn digest(parts: &[u64]) -> u64 {
    parts.iter().fold(0xcbf2_9ce4_8422_2325u64, |acc, part| {
        crate::parallelism::route_hash(acc ^ part)
    })
}

/// A digest of a string (FNV-1a), for sink checksums.
pub fn text_digest(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |acc, b| {
        (acc ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
