package io.tinykv.scheduler.http;

import io.tinykv.proto.Pdpb;
import java.util.List;

/** A PD member as PD's HTTP API shows it ({@code pdpb.Member}, zero fields left out). */
public record MemberView(
        String name, long memberId, List<String> peerUrls, List<String> clientUrls, String binaryVersion) {

    public static MemberView of(Pdpb.Member m) {
        return new MemberView(
                m.getName(),
                m.getMemberId(),
                m.getPeerUrlsList(),
                m.getClientUrlsList(),
                m.getBinaryVersion().isEmpty() ? null : m.getBinaryVersion());
    }

    /** {@code /pd/api/v1/members}: this one member, leader of itself (there is no etcd underneath). */
    public record Members(Header header, List<MemberView> members, MemberView leader, MemberView etcdLeader) {}

    public record Header(long clusterId) {}

    /** One entry of {@code /pd/api/v1/health}. */
    public record Health(String name, long memberId, List<String> clientUrls, boolean health) {}
}
