package io.etcdfake.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.AuthDisableRequest;
import io.etcd.jetcd.api.AuthDisableResponse;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthEnableResponse;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleAddRequest;
import io.etcd.jetcd.api.AuthRoleAddResponse;
import io.etcd.jetcd.api.AuthRoleDeleteRequest;
import io.etcd.jetcd.api.AuthRoleDeleteResponse;
import io.etcd.jetcd.api.AuthRoleGetRequest;
import io.etcd.jetcd.api.AuthRoleGetResponse;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.AuthRoleGrantPermissionResponse;
import io.etcd.jetcd.api.AuthRoleListRequest;
import io.etcd.jetcd.api.AuthRoleListResponse;
import io.etcd.jetcd.api.AuthRoleRevokePermissionRequest;
import io.etcd.jetcd.api.AuthRoleRevokePermissionResponse;
import io.etcd.jetcd.api.AuthUserAddRequest;
import io.etcd.jetcd.api.AuthUserAddResponse;
import io.etcd.jetcd.api.AuthUserChangePasswordRequest;
import io.etcd.jetcd.api.AuthUserChangePasswordResponse;
import io.etcd.jetcd.api.AuthUserDeleteRequest;
import io.etcd.jetcd.api.AuthUserDeleteResponse;
import io.etcd.jetcd.api.AuthUserGetRequest;
import io.etcd.jetcd.api.AuthUserGetResponse;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleResponse;
import io.etcd.jetcd.api.AuthUserListRequest;
import io.etcd.jetcd.api.AuthUserListResponse;
import io.etcd.jetcd.api.AuthUserRevokeRoleRequest;
import io.etcd.jetcd.api.AuthUserRevokeRoleResponse;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.auth.Caller;
import io.etcdfake.server.auth.Permission;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.LongSupplier;

/** etcd's Auth service over the {@link AuthStore}. Headers carry the KV revision, as etcd's do. */
public final class AuthService extends AuthGrpc.AuthImplBase {
  /**
   * AuthStatus (etcd 3.5) is missing from jetcd's copy of the protos: served by hand with an Empty
   * whose unknown fields are the response's (1 header, 2 enabled, 3 auth_revision).
   */
  public static final MethodDescriptor<Empty, Empty> AUTH_STATUS = MethodDescriptor.<Empty, Empty>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(AuthGrpc.SERVICE_NAME, "AuthStatus"))
      .setRequestMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
      .setResponseMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
      .build();
  /** UserAddOptions (field 3 of AuthUserAddRequest, with no_password as its field 1) is missing too. */
  private static final int USER_ADD_OPTIONS = 3;
  private static final int NO_PASSWORD = 1;

  private final AuthStore auth;
  private final Headers headers;
  private final LongSupplier kvRevision;

  public AuthService(AuthStore auth, Headers headers, LongSupplier kvRevision) {
    this.auth = auth;
    this.headers = headers;
    this.kvRevision = kvRevision;
  }

  /** This service with AuthStatus added, ready for the server builder. */
  public ServerServiceDefinition definition() {
    return Calls.withMethod(bindService(),
        ServerMethodDefinition.create(AUTH_STATUS, ServerCalls.asyncUnaryCall(this::authStatus)));
  }


  private ResponseHeader header() {
    return headers.of(kvRevision.getAsLong());
  }

  private Caller caller() {
    return TokenInterceptor.caller(auth);
  }

  @Override
  public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> responses) {
    Calls.unary(responses, () -> {
      auth.enable(caller());
      return AuthEnableResponse.newBuilder().setHeader(header()).build();
    });
  }

  @Override
  public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> responses) {
    Calls.unary(responses, () -> {
      auth.disable(caller());
      return AuthDisableResponse.newBuilder().setHeader(header()).build();
    });
  }

  private void authStatus(Empty request, StreamObserver<Empty> responses) {
    Calls.unary(responses, () -> {
      AuthStore.Status s = auth.status(caller());
      UnknownFieldSet.Builder fields = UnknownFieldSet.newBuilder()
          .addField(1, UnknownFieldSet.Field.newBuilder().addLengthDelimited(header().toByteString()).build());
      if (s.enabled()) {
        fields.addField(2, UnknownFieldSet.Field.newBuilder().addVarint(1).build());
      }
      fields.addField(3, UnknownFieldSet.Field.newBuilder().addVarint(s.authRevision()).build());
      return Empty.newBuilder().setUnknownFields(fields.build()).build();
    });
  }

  @Override
  public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> responses) {
    Calls.unary(responses, () -> {
      String token = auth.authenticate(request.getName(), request.getPassword());
      return AuthenticateResponse.newBuilder().setHeader(header()).setToken(token).build();
    });
  }

  @Override
  public void userAdd(AuthUserAddRequest request, StreamObserver<AuthUserAddResponse> responses) {
    Calls.unary(responses, () -> {
      auth.userAdd(caller(), request.getName(), request.getPassword(), noPassword(request));
      return AuthUserAddResponse.newBuilder().setHeader(header()).build();
    });
  }

  private static boolean noPassword(AuthUserAddRequest request) {
    UnknownFieldSet unknown = request.getUnknownFields();
    if (!unknown.hasField(USER_ADD_OPTIONS)) {
      return false;
    }
    boolean noPassword = false;
    for (ByteString options : unknown.getField(USER_ADD_OPTIONS).getLengthDelimitedList()) {
      try {
        UnknownFieldSet o = UnknownFieldSet.parseFrom(options);
        if (o.hasField(NO_PASSWORD)) {
          List<Long> v = o.getField(NO_PASSWORD).getVarintList();
          noPassword = !v.isEmpty() && v.get(v.size() - 1) != 0;
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw io.grpc.Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
      }
    }
    return noPassword;
  }

  @Override
  public void userGet(AuthUserGetRequest request, StreamObserver<AuthUserGetResponse> responses) {
    Calls.unary(responses, () -> AuthUserGetResponse.newBuilder().setHeader(header())
        .addAllRoles(auth.userGet(caller(), request.getName())).build());
  }

  @Override
  public void userList(AuthUserListRequest request, StreamObserver<AuthUserListResponse> responses) {
    Calls.unary(responses, () -> AuthUserListResponse.newBuilder().setHeader(header())
        .addAllUsers(auth.userList(caller())).build());
  }

  @Override
  public void userDelete(AuthUserDeleteRequest request, StreamObserver<AuthUserDeleteResponse> responses) {
    Calls.unary(responses, () -> {
      auth.userDelete(caller(), request.getName());
      return AuthUserDeleteResponse.newBuilder().setHeader(header()).build();
    });
  }

  @Override
  public void userChangePassword(AuthUserChangePasswordRequest request,
      StreamObserver<AuthUserChangePasswordResponse> responses) {
    Calls.unary(responses, () -> {
      auth.userChangePassword(caller(), request.getName(), request.getPassword());
      return AuthUserChangePasswordResponse.newBuilder().setHeader(header()).build();
    });
  }

  @Override
  public void userGrantRole(AuthUserGrantRoleRequest request, StreamObserver<AuthUserGrantRoleResponse> responses) {
    Calls.unary(responses, () -> {
      auth.userGrantRole(caller(), request.getUser(), request.getRole());
      return AuthUserGrantRoleResponse.newBuilder().setHeader(header()).build();
    });
  }

  @Override
  public void userRevokeRole(AuthUserRevokeRoleRequest request, StreamObserver<AuthUserRevokeRoleResponse> responses) {
    Calls.unary(responses, () -> {
      auth.userRevokeRole(caller(), request.getName(), request.getRole());
      return AuthUserRevokeRoleResponse.newBuilder().setHeader(header()).build();
    });
  }

  @Override
  public void roleAdd(AuthRoleAddRequest request, StreamObserver<AuthRoleAddResponse> responses) {
    Calls.unary(responses, () -> {
      auth.roleAdd(caller(), request.getName());
      return AuthRoleAddResponse.newBuilder().setHeader(header()).build();
    });
  }

  @Override
  public void roleGet(AuthRoleGetRequest request, StreamObserver<AuthRoleGetResponse> responses) {
    Calls.unary(responses, () -> {
      AuthRoleGetResponse.Builder b = AuthRoleGetResponse.newBuilder().setHeader(header());
      for (Permission p : auth.roleGet(caller(), request.getRole())) {
        b.addPerm(io.etcd.jetcd.api.Permission.newBuilder()
            .setPermTypeValue(p.code())
            .setKey(p.key())
            .setRangeEnd(p.rangeEnd()));
      }
      return b.build();
    });
  }

  @Override
  public void roleList(AuthRoleListRequest request, StreamObserver<AuthRoleListResponse> responses) {
    Calls.unary(responses, () -> AuthRoleListResponse.newBuilder().setHeader(header())
        .addAllRoles(auth.roleList(caller())).build());
  }

  @Override
  public void roleDelete(AuthRoleDeleteRequest request, StreamObserver<AuthRoleDeleteResponse> responses) {
    Calls.unary(responses, () -> {
      auth.roleDelete(caller(), request.getRole());
      return AuthRoleDeleteResponse.newBuilder().setHeader(header()).build();
    });
  }

  @Override
  public void roleGrantPermission(AuthRoleGrantPermissionRequest request,
      StreamObserver<AuthRoleGrantPermissionResponse> responses) {
    Calls.unary(responses, () -> {
      Permission perm = null;
      if (request.hasPerm()) {
        io.etcd.jetcd.api.Permission p = request.getPerm();
        perm = new Permission(p.getPermTypeValue(), p.getKey(), p.getRangeEnd());
      }
      auth.roleGrantPermission(caller(), request.getName(), perm);
      return AuthRoleGrantPermissionResponse.newBuilder().setHeader(header()).build();
    });
  }

  @Override
  public void roleRevokePermission(AuthRoleRevokePermissionRequest request,
      StreamObserver<AuthRoleRevokePermissionResponse> responses) {
    Calls.unary(responses, () -> {
      auth.roleRevokePermission(caller(), request.getRole(), request.getKey(), request.getRangeEnd());
      return AuthRoleRevokePermissionResponse.newBuilder().setHeader(header()).build();
    });
  }
}
