import { describe, expect, it } from 'vitest';
import { messageDelta, receivedMessagesByMethod } from './etcd-probe.js';

const metrics = (range: number, keepAlive: number) =>
  [
    '# HELP grpc_server_msg_received_total Total number of RPC stream messages received on the server.',
    `grpc_server_msg_received_total{grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} ${range}`,
    `grpc_server_msg_received_total{grpc_method="LeaseKeepAlive",grpc_service="etcdserverpb.Lease",grpc_type="bidi_stream"} ${keepAlive}`,
    'grpc_server_msg_received_total{grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"} 0',
    'grpc_server_handled_total{grpc_code="OK",grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 99',
  ].join('\n');

describe('etcd request counting', () => {
  it('reads received messages per method from the Prometheus text, ignoring other metrics and zeros', () => {
    expect(receivedMessagesByMethod(metrics(7, 3))).toEqual({ 'KV/Range': 7, 'Lease/LeaseKeepAlive': 3 });
  });
  it('diffs two readings per method and in total', () => {
    const before = receivedMessagesByMethod(metrics(7, 3));
    const after = receivedMessagesByMethod(
      `${metrics(10, 3)}\ngrpc_server_msg_received_total{grpc_method="Txn",grpc_service="etcdserverpb.KV",grpc_type="unary"} 2`,
    );
    expect(messageDelta(before, after)).toEqual({ total: 5, byMethod: { 'KV/Range': 3, 'KV/Txn': 2 } });
  });
});
